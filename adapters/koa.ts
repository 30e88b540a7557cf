/**
 * Koa 2 and 3: the guards, sign-in and sign-out, the refresh, JWKS and "Your sessions" handlers.
 * @module jwt-gate/koa
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import * as kit from '../src/adapter-kit/index.js';
import type {
  Auth,
  AuthError,
  Authenticated,
  AuthOptions,
  Claims,
  HttpError,
  JwksHandlerOptions,
  Login,
  SignInOptions,
  SignOutOptions,
} from '../src/index.js';

/** What `requireAuth` puts on `ctx.state`: the user, and the claims on `auth` (or the `property` option's name). */
export interface AuthState<U = Claims, C extends Claims = Claims> {
  user: U;
  auth: C;
}

/** What `optionalAuth` puts on `ctx.state`. */
export interface OptionalAuthState<U = Claims, C extends Claims = Claims> {
  user: U | undefined;
  auth: C | undefined;
  authError: AuthError | undefined;
}

/**
 * Whether another framework called a middleware. Express calls it `(req, res, next)`: its `next` then gets
 * the TypeError naming the adapter to import (a 500), where a rejected promise would go unhandled on
 * Express 4 and end the process.
 */
const wrongTurn = (api: string, ctx: unknown, next: unknown, expressNext: unknown): boolean =>
  !kit.calledByKoa(ctx, next) && kit.wrongCall('koa', api, ctx, expressNext);

// A refusal or the key set: its status, headers and body.
function send(ctx: Context, { status, headers, body }: HttpError | kit.JwksResponse): void {
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

/** The part of a Koa context that signing in and out uses. */
export interface CookieContext {
  readonly secure: boolean;
  /** The path the browser asked for, before any router rewrote `ctx.path`. */
  readonly originalUrl: string;
  readonly req: IncomingMessage;
  /** Whether the response has gone: a session cookie set later would be lost. */
  readonly headerSent: boolean;
  /** Adds a response header without replacing the values already set (Koa's `ctx.append`). */
  append(field: string, value: string[]): void;
}

// The path the app routes by: ctx.path after any rewrite, under koa-mount's prefix (ctx.mountPath).
function routedPath(ctx: Context): string {
  const mount: unknown = (ctx as { mountPath?: unknown }).mountPath;
  return typeof mount === 'string' ? mount + ctx.path : ctx.path;
}

// The route @koa/router matched, when it ran before the guard.
function routeOf(ctx: object): string | undefined {
  const route: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}

function middleware<U, C extends Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Context>,
  options: kit.GuardOptions<C>,
  mode: kit.GuardMode,
  api: string,
): Middleware<OptionalAuthState<U, C>> {
  const auth = kit.toAuth(authOrOptions);
  const guard = kit.createGuard(auth, options, mode);
  const { property } = guard;
  return async (ctx, next, expressNext?: unknown) => {
    if (wrongTurn(api, ctx, next, expressNext)) return;
    const decision = await guard(ctx.req, {
      request: ctx,
      secure: ctx.secure,
      path: ctx.originalUrl,
      routedPath: routedPath(ctx),
      route: routeOf(ctx),
    });
    // Answered while the guard waited (a timeout middleware, or a write to ctx.res): Koa would drop
    // our writes, but next() would still run the route, and a forwarded error would be reported.
    if (ctx.headerSent) return;
    const state = ctx.state as unknown as Record<string, unknown>;
    switch (decision.kind) {
      case 'user': {
        const { user, claims } = decision.authenticated;
        kit.rememberSession(ctx.req, auth, decision.authenticated);
        ctx.state.user = user;
        if (property !== undefined) state[property] = claims;
        ctx.state.authError = undefined;
        if (decision.cookies) ctx.append('Set-Cookie', [...decision.cookies]);
        break;
      }
      case 'anonymous':
        kit.rememberSession(ctx.req, auth, null);
        ctx.state.user = undefined;
        if (property !== undefined) state[property] = undefined;
        ctx.state.authError = decision.authError;
        break;
      case 'preflight':
        ctx.status = 204;
        return;
      case 'forward':
        throw decision.error;
      case 'respond':
        send(ctx, decision.http);
        return;
    }
    // Outside any try: an error thrown downstream stays the app's, never a 401.
    await next();
  };
}

/** Lets only requests with a valid token (and the given roles, scopes or check) through; sets `ctx.state.user`. */
export function requireAuth<U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Context>,
  options: kit.GuardOptions<C> = {},
): Middleware<AuthState<U, C>> {
  return middleware(authOrOptions, options, 'required', 'requireAuth') as Middleware<AuthState<U, C>>;
}

/** Sets `ctx.state.user` when the request has a valid token; otherwise goes on anonymously, keeping `ctx.state.authError`. */
export function optionalAuth<U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Context>,
  options: kit.GuardOptions<C> = {},
): Middleware<OptionalAuthState<U, C>> {
  return middleware(authOrOptions, options, 'optional', 'optionalAuth');
}

/**
 * `handler` for middleware behind `requireAuth(auth)`, given `ctx.state.user` typed as `auth`'s users,
 * also when `app.use` calls are separate statements (Koa then types `ctx.state` as `any`). A request no
 * guard of `auth` let through with a user is a TypeError (500), never a handler run without one.
 */
export function withUser<U, C extends Claims>(
  auth: Auth<U, C>,
  handler: (ctx: ParameterizedContext<AuthState<U, C>>, next: Next) => unknown,
): Middleware<AuthState<U, C>> {
  return (ctx, next, expressNext?: unknown) => {
    if (wrongTurn('withUser', ctx, next, expressNext)) return undefined;
    kit.authenticatedOf<U, C>(ctx.req, auth, false);
    return handler(ctx, next);
  };
}

/**
 * The session `requireAuth(auth)` or `optionalAuth(auth)` found for `ctx`, typed by `auth`. Throws a
 * TypeError when neither ran, or when the request went on anonymously and `optional` is not set.
 */
export function authOf<U, C extends Claims>(
  ctx: { readonly req: IncomingMessage },
  auth: Auth<U, C>,
): Authenticated<U, C>;
export function authOf<U, C extends Claims>(
  ctx: { readonly req: IncomingMessage },
  auth: Auth<U, C>,
  options: { readonly optional: true },
): Authenticated<U, C> | undefined;
export function authOf<U, C extends Claims>(
  ctx: { readonly req: IncomingMessage },
  auth: Auth<U, C>,
  options?: { readonly optional?: boolean },
): Authenticated<U, C> | undefined {
  return kit.authenticatedOf<U, C>(ctx.req, auth, options?.optional === true);
}

/**
 * Issues a token for `claims` and sets the session cookie; returns the token. Await it before
 * answering: a cookie that comes after the response is a TypeError (reported as a process warning
 * when nobody awaits it), never a silent loss.
 */
export function signIn<U, C extends Claims>(
  ctx: CookieContext,
  auth: Auth<U, C>,
  claims: C,
  options?: SignInOptions,
): Promise<string> {
  kit.checkCookieTarget('koa', 'signIn(ctx, ...)', ctx);
  const started = auth.startSession(claims, options, { secure: ctx.secure });
  const sent = () => ctx.headerSent;
  return kit.signingIn(started, sent, (cookies) => {
    ctx.append('Set-Cookie', [...cookies]);
  });
}

/**
 * Clears the session cookies at once, then revokes the request's login (with `everywhere`, every
 * login of its user). Await it to learn of a store outage; forgotten, it still logs the browser out.
 */
export function signOut<U, C extends Claims>(
  ctx: CookieContext,
  auth: Auth<U, C>,
  options: SignOutOptions = {},
): Promise<void> {
  kit.checkCookieTarget('koa', 'signOut(ctx, ...)', ctx);
  const context = { secure: ctx.secure, path: ctx.originalUrl, request: ctx };
  const claims = kit.sessionOf<U, C>(ctx.req, auth)?.claims;
  const { cookies, revoked } = auth.endSession(ctx.req, { ...options, ...context, claims });
  ctx.append('Set-Cookie', [...cookies]);
  // Koa's error handler drops the headers set above: the rejection carries them.
  return kit.keepingClearingCookies(revoked, cookies);
}

/** Serves the public JWK Set of `auth`'s keys; mount it at a path such as `/.well-known/jwks.json`. */
export function jwksHandler<U, C extends Claims>(auth: Auth<U, C>, options?: JwksHandlerOptions): Middleware {
  const published = kit.jwksResponse(auth, options);
  return (ctx, next, expressNext?: unknown) => {
    if (wrongTurn('jwksHandler', ctx, next, expressNext)) return;
    send(ctx, published);
  };
}

/** Exchanges the refresh cookie for a new session (rotation with reuse detection); answers 204. */
export function refreshHandler<U, C extends Claims>(auth: Auth<U, C>): Middleware {
  return async (ctx, next, expressNext?: unknown) => {
    if (wrongTurn('refreshHandler', ctx, next, expressNext)) return;
    const context = { secure: ctx.secure, path: ctx.originalUrl, request: ctx };
    const answer = await kit.refreshAnswer(auth, ctx.req, context);
    if ('status' in answer) send(ctx, answer);
    else {
      ctx.append('Set-Cookie', [...answer.cookies]);
      ctx.status = 204;
    }
  };
}

/**
 * The live logins of `ctx`'s user ("Your sessions"), newest first, its own marked `current`, for a page
 * behind `requireAuth(auth)`. Rejects with `ERR_TOKEN_MISSING` for an anonymous request (`optionalAuth`).
 */
export function loginsOf<U, C extends Claims>(
  ctx: { readonly req: IncomingMessage },
  auth: Auth<U, C>,
): Promise<Login[]> {
  return kit.requestLogins(ctx.req, auth);
}

/**
 * Ends the login `sid` (from a form) of `ctx`'s user with sign-out's cross-site rules, clearing the
 * session cookies when it is the request's own: true when it did; false, changing nothing, for any other
 * value (another user's sid among them).
 */
export function endLogin<U, C extends Claims>(
  ctx: CookieContext,
  auth: Auth<U, C>,
  sid: unknown,
): Promise<boolean> {
  const { cookies, ended } = kit.endRequestLogin(ctx.req, auth, sid, { secure: ctx.secure });
  if (cookies.length > 0) ctx.append('Set-Cookie', [...cookies]);
  return ended;
}

// The JSON of `work`, never cached, or the refusal a guard would answer; other errors are thrown.
async function answerJson(ctx: Context, work: Promise<object>, realm: string): Promise<void> {
  const answer = await kit.answerOf(work, realm);
  if ('status' in answer) send(ctx, answer);
  else {
    ctx.body = answer;
    ctx.set('Cache-Control', 'no-store');
  }
}

/** Answers `{ logins }` (see `loginsOf`); mount it behind `requireAuth(auth)`. */
export function loginsHandler<U, C extends Claims>(auth: Auth<U, C>): Middleware {
  return async (ctx, next, expressNext?: unknown) => {
    if (wrongTurn('loginsHandler', ctx, next, expressNext)) return;
    const work = loginsOf(ctx, auth).then((logins) => ({ logins }));
    await answerJson(ctx, work, auth.realm);
  };
}

/**
 * Ends the login of the route's `:sid` (`ctx.params`), else of the parsed body's `sid`
 * (`ctx.request.body`), and answers `{ ended }` (see `endLogin`). Behind `requireAuth(auth)`.
 */
export function endLoginHandler<U, C extends Claims>(auth: Auth<U, C>): Middleware {
  return async (ctx, next, expressNext?: unknown) => {
    if (wrongTurn('endLoginHandler', ctx, next, expressNext)) return;
    const { params } = ctx as { params?: unknown };
    const sid = kit.requestedSid(params, (ctx.request as { body?: unknown }).body);
    const work = endLogin(ctx, auth, sid).then((ended) => ({ ended }));
    await answerJson(ctx, work, auth.realm);
  };
}

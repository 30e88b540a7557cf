/**
 * Fastify 5: the `jwtGate` plugin, the guards as hooks, sign-in and sign-out, the refresh and JWKS handlers.
 * @module jwt-gate/fastify
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { HookHandlerDoneFunction, RouteHandlerMethod } from 'fastify';
import * as kit from '../src/adapter-kit/index.js';
import type { Auth, AuthError, Authenticated, AuthOptions, Claims, IssueOverrides } from '../src/index.js';
import type { HttpError, JwksHandlerOptions, SignOutOptions } from '../src/index.js';

/**
 * The type of `request.user`, declared once by the app as @fastify/passport's `PassportUser` is:
 * `declare module 'jwt-gate/fastify' { interface SessionUser extends User {} }`. Until then, the claims.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by the app
export interface SessionUser {}

declare module 'fastify' {
  interface FastifyRequest {
    /** What `requireAuth` or `optionalAuth` found; `undefined` on a request that went on anonymously. */
    user?: (keyof SessionUser extends never ? Claims : SessionUser) | undefined;
    /** Why `optionalAuth` let the request through anonymously. */
    authError?: AuthError | undefined;
    /** The token's claims (as express-jwt's `req.auth`), unless the guard's `property` moved them. */
    auth?: Claims | undefined;
  }
}

/**
 * The options of `requireAuth` and `optionalAuth`, as on Express and Koa but for `errors`: `'respond'` or
 * `'forward'` (Fastify's error handler answers an `AuthError`). express-jwt's and koa-jwt's error shapes
 * are for those libraries' handlers.
 */
export type FastifyGuardOptions<C extends Claims = Claims> = Omit<kit.GuardOptions<C>, 'errors'> & {
  readonly errors?: 'respond' | 'forward';
};

/**
 * A guard: a route's `onRequest` or `preHandler` hook, or a scope's (`addHook`), which it then covers. It calls
 * `done` only to go on: an async hook that answers lets Fastify run the handler while an async onSend hook
 * still holds the answer back (`reply.sent` stays false until the response ends).
 */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** `requireAuth` and `optionalAuth`: a guard for an `Auth`, or for the options to create one. */
export type AuthHookFactory = <U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, FastifyRequest>,
  options?: FastifyGuardOptions<C>,
) => AuthHook;

/** `request` once a guard let it through with a user: `request.user` typed as the `Auth`'s users. */
export type RequestWithUser<U> = Omit<FastifyRequest, 'user'> & { user: U };

// An answer of the kit's (a refusal, the key set): its status, headers and body.
const send = (reply: FastifyReply, { status, headers, body }: HttpError | kit.JwksResponse) =>
  reply.code(status).headers(headers).send(body);

// Whether another framework called `api`: Express's next then has the TypeError naming the adapter to
// import (a 500); Koa, which passes none, has it thrown (a 500 too).
const wrongTurn = (api: string, request: unknown, reply: unknown, next: unknown): boolean =>
  !kit.calledByFastify(request, reply) && kit.wrongCall('fastify', api, request, next);

// What the guard and the session helpers read of a request, each at once: a getter in an object literal
// (made per request) cost a guard 8 % of its requests/s. `path` is the one the browser asked for (before
// rewriteUrl): events say it, and its cookies are sent by it; `unless` tests the one Fastify routed.
const seen = (request: FastifyRequest): kit.GuardContext => ({
  request,
  secure: request.protocol === 'https',
  path: request.originalUrl,
  routedPath: request.url,
  route: request.routeOptions.url,
});

type Decision = kit.GuardDecision<unknown, Claims>;

const guarding =
  (mode: kit.GuardMode, api: string): AuthHookFactory =>
  (authOrOptions, options = {}) => {
    const auth = kit.toAuth(authOrOptions);
    const guard = kit.createGuard(auth, options, mode);
    if (options.errors !== undefined && options.errors !== 'respond' && options.errors !== 'forward')
      throw new TypeError('jwt-gate/fastify: "errors" must be "respond" or "forward"');
    const { property } = guard;
    // Whether the request goes on; a refusal is answered here, and a forwarded one thrown.
    const apply = (decision: Decision, request: FastifyRequest, reply: FastifyReply) => {
      const slots = request as unknown as Record<string, unknown>;
      switch (decision.kind) {
        case 'user': {
          const { user, claims } = decision.authenticated;
          kit.rememberSession(request.raw, auth, decision.authenticated);
          slots.user = user;
          // The payload, as on Express (express-jwt's req.auth): request.auth.sub.
          if (property !== undefined) slots[property] = claims;
          request.authError = undefined;
          if (decision.cookies) reply.header('set-cookie', decision.cookies);
          return true;
        }
        case 'anonymous':
          kit.rememberSession(request.raw, auth, null);
          request.user = undefined;
          if (property !== undefined) slots[property] = undefined;
          request.authError = decision.authError;
          return true;
        case 'preflight':
          void reply.code(204).send();
          return false;
        case 'forward':
          // To the scope's error handler; Fastify's own renders the error's `statusCode` and `headers`.
          throw decision.error;
        case 'respond':
          void send(reply, decision.http);
          return false;
      }
    };
    return (request, reply, done) => {
      if (wrongTurn(api, request, reply, done)) return;
      // The raw request: its rawHeaders show a repeated Authorization, which `request.headers` hides.
      guard(request.raw, seen(request))
        // Answered while the guard waited (a timeout): Fastify runs nothing more, and would warn of a second answer.
        .then((decision) => !reply.sent && apply(decision, request, reply))
        .then(
          (goOn) => {
            if (goOn) done();
          },
          (err: unknown) => {
            if (!reply.sent) done(err as Error);
          },
        );
    };
  };

/** Lets only requests with a valid token (and the given roles, scopes or check) through; sets `request.user`. */
export const requireAuth: AuthHookFactory = guarding('required', 'requireAuth');

/** Sets `request.user` when the request has a valid token; else goes on anonymously, keeping `request.authError`. */
export const optionalAuth: AuthHookFactory = guarding('optional', 'optionalAuth');

/**
 * Declares `request.user`, `authError` and `auth` where it is registered: `app.register(jwtGate)`. Not
 * encapsulated, as fastify-plugin marks a plugin; a guard covers the routes or the scope it is added to.
 */
export const jwtGate: FastifyPluginCallback = Object.assign(
  (fastify: FastifyInstance, _options: unknown, done: () => void) => {
    // Another plugin's `user` (@fastify/passport) is shared, not declared twice.
    for (const name of ['user', 'authError', 'auth'] as const)
      if (!fastify.hasRequestDecorator(name)) fastify.decorateRequest(name, undefined);
    done();
  },
  {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'jwt-gate',
    [Symbol.for('plugin-meta')]: { name: 'jwt-gate', fastify: '5.x' },
  },
);

/**
 * The session `requireAuth(auth)` or `optionalAuth(auth)` found on `request`, typed by `auth`. Throws a
 * TypeError when neither ran, or when the request went on anonymously and `optional` is not set.
 */
export function authOf<U, C extends Claims, O extends boolean = false>(
  request: FastifyRequest,
  auth: Auth<U, C>,
  options?: { readonly optional: O },
): O extends true ? Authenticated<U, C> | undefined : Authenticated<U, C> {
  return kit.authenticatedOf<U, C>(request.raw, auth, options?.optional === true) as Authenticated<U, C>;
}

/**
 * `handler` for a route behind `requireAuth(auth)`, given `request.user` typed as `auth`'s users: no `!`.
 * A request no guard of `auth` let through with a user is a TypeError (500), never a handler run without one.
 */
export function withUser<U, C extends Claims>(
  auth: Auth<U, C>,
  handler: (this: FastifyInstance, request: RequestWithUser<U>, reply: FastifyReply) => unknown,
): RouteHandlerMethod {
  return function (this: FastifyInstance, request, reply, next?: unknown) {
    if (wrongTurn('withUser', request, reply, next)) return undefined;
    kit.authenticatedOf<U, C>(request.raw, auth, false);
    return handler.call(this, request as unknown as RequestWithUser<U>, reply);
  };
}

// signIn and signOut write to Fastify's reply: Express's res and Koa's ctx have no reply.request.
function checkReply(api: string, reply: FastifyReply): void {
  if (!kit.calledByFastify((reply as { request?: unknown } | null)?.request, reply))
    throw kit.wrongFramework('fastify', `${api}(reply, ...)`, kit.frameworkOf(reply));
}

/**
 * Issues a token for `claims` and sets the session cookie; returns the token. Await it before answering:
 * a cookie that comes later is a TypeError (a process warning when nobody awaits it), never a silent loss.
 */
export function signIn<U, C extends Claims>(
  reply: FastifyReply,
  auth: Auth<U, C>,
  claims: C,
  overrides?: IssueOverrides,
): Promise<string> {
  checkReply('signIn', reply);
  const started = auth.startSession(claims, overrides, { secure: reply.request.protocol === 'https' });
  const sent = () => reply.sent;
  return kit.signingIn(started, sent, (cookies) => reply.header('set-cookie', cookies));
}

/**
 * Clears the session cookies at once, then revokes the request's login (with `everywhere`, every login
 * of its user). Await it to learn of a store outage; forgotten, it still logs the browser out.
 */
export function signOut<U, C extends Claims>(
  reply: FastifyReply,
  auth: Auth<U, C>,
  options: SignOutOptions = {},
): Promise<void> {
  checkReply('signOut', reply);
  const { raw } = reply.request;
  const claims = kit.sessionOf<U, C>(raw, auth)?.claims;
  const { cookies, revoked } = auth.endSession(raw, { ...options, ...seen(reply.request), claims });
  reply.header('set-cookie', cookies);
  // Fastify's error handler keeps the headers set before an error, and adds the error's own.
  return kit.clearingCookiesOnce(revoked);
}

/** Serves the public JWK Set of `auth`'s keys, e.g. `app.get('/.well-known/jwks.json', jwksHandler(auth))`. */
export function jwksHandler<U, C extends Claims>(
  auth: Auth<U, C>,
  options?: JwksHandlerOptions,
): RouteHandlerMethod {
  const published = kit.jwksResponse(auth, options);
  return (request, reply, next?: unknown) =>
    wrongTurn('jwksHandler', request, reply, next) ? undefined : send(reply, published);
}

/** Exchanges the refresh cookie for a new session (rotation with reuse detection); answers 204. */
export function refreshHandler<U, C extends Claims>(auth: Auth<U, C>): RouteHandlerMethod {
  return async (request, reply, next?: unknown) => {
    if (wrongTurn('refreshHandler', request, reply, next)) return undefined;
    const answer = await kit.refreshAnswer(auth, request.raw, seen(request));
    // Answered while it waited (a timeout): Fastify would warn of a second answer.
    if (reply.sent) return reply;
    if ('status' in answer) return send(reply, answer);
    return reply.header('set-cookie', answer.cookies).code(204).send();
  };
}

import type { IncomingMessage } from 'node:http';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { RouteHandlerMethod } from 'fastify';
import * as kit from '../src/adapter-kit/index.js';
import { isAuthError, toHttpError, type Auth, type AuthError, type Authenticated } from '../src/index.js';
import type { AuthOptions, Claims, GuardOptions, HttpError, IssueOverrides } from '../src/index.js';
import type { JwksHandlerOptions, SignOutOptions } from '../src/index.js';

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
    /** The token's claims, unless the guard's `property` moved them; `authOf` types them, and the token, by the Auth. */
    auth?: Claims | undefined;
  }
}

/**
 * A guard: a route's `onRequest` or `preHandler` hook, or a scope's (`addHook`), which it then covers. It calls
 * `done` only to go on: an async hook that answers lets Fastify run the handler while an async onSend hook
 * still holds the answer back (`reply.sent` stays false until the response ends).
 */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** `requireAuth` and `optionalAuth`: a guard for an `Auth`, or for the options to create one. */
export type AuthHookFactory = <U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, IncomingMessage>,
  options?: GuardOptions<C>,
) => AuthHook;

const send = (reply: FastifyReply, { status, headers, body }: HttpError) =>
  reply.code(status).headers(headers).send(body);

// `protocol` follows the app's trustProxy. Read at once: a getter (an accessor made per request) cost a
// guard 8 % of its requests/s and doubled its p99 (the bench's ladder).
const isHttps = (request: FastifyRequest) => request.protocol === 'https';
// Sessions follow the path the browser asked for (before rewriteUrl): its cookies are sent by that path.
const hint = (request: FastifyRequest) => ({ path: request.originalUrl, secure: isHttps(request) });

const guarding =
  (mode: kit.GuardMode): AuthHookFactory =>
  (authOrOptions, options = {}) => {
    const auth = kit.toAuth(authOrOptions);
    const guard = kit.createGuard(auth, options, mode);
    const { property } = guard;
    // Whether the request goes on; a refusal is answered here, and a forwarded one thrown.
    const apply = (
      decision: kit.GuardDecision<unknown, Claims>,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => {
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
      // The raw request: its rawHeaders show a repeated Authorization, which `request.headers` hides; its
      // url is the path Fastify routed (after rewriteUrl), so `unless` tests what is served.
      guard(request.raw, { secure: isHttps(request) })
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
export const requireAuth: AuthHookFactory = guarding('required');

/** Sets `request.user` when the request has a valid token; else goes on anonymously, keeping `request.authError`. */
export const optionalAuth: AuthHookFactory = guarding('optional');

/**
 * Declares `request.user`, `authError` and `auth` where it is registered: `app.register(jwtGate)`. Not
 * encapsulated, as fastify-plugin marks a plugin; a guard covers the routes or the scope it is added to.
 */
export const jwtGate: FastifyPluginCallback = Object.assign(
  (fastify: Parameters<FastifyPluginCallback>[0], _options: unknown, done: () => void) => {
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
 * Issues a token for `claims` and sets the session cookie; returns the token. Await it before answering:
 * a cookie that comes later is a TypeError (a process warning when nobody awaits it), never a silent loss.
 */
export function signIn<U, C extends Claims>(
  reply: FastifyReply,
  auth: Auth<U, C>,
  claims: C,
  overrides?: IssueOverrides,
): Promise<string> {
  const started = auth.startSession(claims, overrides, hint(reply.request));
  return kit.forgettable(
    started.then(({ token, cookies }) => {
      if (reply.sent) throw kit.lateSignIn();
      reply.header('set-cookie', cookies);
      return token;
    }),
  );
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
  const { raw } = reply.request;
  const claims = kit.sessionOf<U, C>(raw, auth)?.claims;
  const { cookies, revoked } = auth.endSession(raw, { ...options, ...hint(reply.request), claims });
  reply.header('set-cookie', cookies);
  // Fastify's error handler keeps the headers set before an error and adds the error's own: an AuthError
  // goes on without the cookies already set, so each is sent once.
  const once = revoked.catch((err: unknown) => {
    if (!isAuthError(err) || err.headers['Set-Cookie'] === undefined) throw err;
    const { 'Set-Cookie': _set, ...headers } = err.headers;
    throw Object.create(err, { headers: { value: headers } }) as AuthError;
  });
  return kit.forgettable(once);
}

/** Serves the public JWK Set of `auth`'s keys, e.g. `app.get('/.well-known/jwks.json', jwksHandler(auth))`. */
export function jwksHandler<U, C extends Claims>(
  auth: Auth<U, C>,
  options?: JwksHandlerOptions,
): RouteHandlerMethod {
  const { status, headers, body } = kit.jwksResponse(auth, options);
  return (_request, reply) => reply.code(status).headers(headers).send(body);
}

/** Exchanges the refresh cookie for a new session (rotation with reuse detection); answers 204. */
export function refreshHandler<U, C extends Claims>(auth: Auth<U, C>): RouteHandlerMethod {
  const refused = (err: unknown): HttpError => {
    if (!isAuthError(err)) throw err;
    return toHttpError(err, auth.realm);
  };
  return async (request, reply) => {
    const answer = await auth.refresh(request.raw, hint(request)).then(({ cookies }) => cookies, refused);
    // Answered while it waited (a timeout): Fastify would warn of a second answer.
    if (reply.sent) return reply;
    return 'status' in answer ? send(reply, answer) : reply.header('set-cookie', answer).code(204).send();
  };
}

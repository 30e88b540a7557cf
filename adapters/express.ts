/**
 * Express 4 and 5: the guards, sign-in and sign-out, the refresh, JWKS and "Your sessions" handlers.
 * @module jwt-gate/express
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
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

declare global {
  // The passport shape, so both can be installed together; apps narrow it with `interface User extends MyUser {}`.
  // `req.auth` (the claims, as express-jwt leaves them) is not declared here: express-oauth2-jwt-bearer
  // declares it otherwise (TS2717). Read the claims typed with `authOf(req, auth)`, or declare it (docs/typing.md).
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by the app
    interface User {}
    interface Request {
      user?: User | undefined;
      /** Why `optionalAuth` let the request through anonymously. */
      authError?: AuthError | undefined;
    }
  }
}

function respond(res: Response, { status, headers, body }: HttpError): void {
  res.status(status).set(headers).json(body);
}

/**
 * `handler` as Express must call it. Used by Koa (or anything else), it throws on the request, a
 * TypeError naming the adapter to import, which Koa answers 500; mounted with Koa's `app.use`, at once.
 */
function expressOnly(api: string, handler: RequestHandler): RequestHandler {
  const checked: RequestHandler = (req, res, next) => {
    if (!kit.calledByExpress(res, next)) throw kit.wrongFramework('express', api, kit.frameworkOf(req));
    handler(req, res, next);
  };
  return kit.refusedByKoa(checked, api);
}

// The route pattern that matched, once Express routed the request (a guard mounted on the route).
function routeOf(req: Request): string | undefined {
  const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? path : undefined;
}

/**
 * Writes the outcome of `work` unless the response is already gone (a timeout middleware answered
 * while a key set or store was slow). Then nothing is written and next() is not called: the request
 * has been answered, and Express's final handler would destroy the socket. Express 4 ignores a
 * rejected promise and Node exits on an unhandled one, so every error, a throw in `write` included,
 * goes to next(err). next() runs after `work` settled: a downstream error is never an auth failure.
 */
function whenOpen<T>(work: Promise<T>, res: Response, next: NextFunction, write: (value: T) => void): void {
  work
    .then((value) => {
      if (!res.headersSent) write(value);
    })
    .catch((err: unknown) => {
      if (!res.headersSent) next(err);
    });
}

function middleware<U, C extends Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Request>,
  options: kit.GuardOptions<C>,
  mode: kit.GuardMode,
  api: string,
): RequestHandler {
  const auth = kit.toAuth(authOrOptions);
  const guard = kit.createGuard(auth, options, mode);
  const { property } = guard;
  return expressOnly(api, (req, res, next) => {
    // req.secure (trust proxy, X-Forwarded-Proto) and the route are worked out only when needed.
    const context = {
      request: req,
      path: req.originalUrl,
      // What the router routes: a rewrite of req.url before the guard counts, and so does the mount point.
      get routedPath() {
        return req.baseUrl + req.path;
      },
      get secure() {
        return req.secure;
      },
      get route() {
        return routeOf(req);
      },
    };
    whenOpen(guard(req, context), res, next, (decision) => {
      const slots = req as unknown as Record<string, unknown>;
      switch (decision.kind) {
        case 'user': {
          const { user, claims } = decision.authenticated;
          kit.rememberSession(req, auth, decision.authenticated);
          req.user = user as Express.User;
          // The payload, where express-jwt (>= 7) leaves it: req.auth.sub.
          if (property !== undefined) slots[property] = claims;
          // Cleared only if an earlier optionalAuth set it: a property added to every request costs Express.
          if (req.authError !== undefined) req.authError = undefined;
          if (decision.cookies) res.append('Set-Cookie', [...decision.cookies]);
          next();
          return;
        }
        case 'anonymous':
          kit.rememberSession(req, auth, null);
          req.user = undefined;
          if (property !== undefined) slots[property] = undefined;
          req.authError = decision.authError;
          next();
          return;
        case 'preflight':
          res.sendStatus(204);
          return;
        case 'forward':
          next(decision.error);
          return;
        case 'respond':
          respond(res, decision.http);
      }
    });
  });
}

/** Lets only requests with a valid token (and the given roles, scopes or check) through; sets `req.user`. */
export function requireAuth<U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Request>,
  options: kit.GuardOptions<C> = {},
): RequestHandler {
  return middleware(authOrOptions, options, 'required', 'requireAuth');
}

/** Sets `req.user` when the request has a valid token; otherwise goes on anonymously, keeping `req.authError`. */
export function optionalAuth<U = Claims, C extends Claims = Claims>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, Request>,
  options: kit.GuardOptions<C> = {},
): RequestHandler {
  return middleware(authOrOptions, options, 'optional', 'optionalAuth');
}

/**
 * The session `requireAuth(auth)` or `optionalAuth(auth)` found on `req`, typed by `auth`. Throws a
 * TypeError when neither ran, or when the request went on anonymously and `optional` is not set.
 */
export function authOf<U, C extends Claims>(req: Request, auth: Auth<U, C>): Authenticated<U, C>;
export function authOf<U, C extends Claims>(
  req: Request,
  auth: Auth<U, C>,
  options: { readonly optional: true },
): Authenticated<U, C> | undefined;
export function authOf<U, C extends Claims>(
  req: Request,
  auth: Auth<U, C>,
  options?: { readonly optional?: boolean },
): Authenticated<U, C> | undefined {
  return kit.authenticatedOf<U, C>(req, auth, options?.optional === true);
}

/** `req` once a guard let it through with a user: `req.user` typed as the `Auth`'s users, never undefined. */
export type RequestWithUser<U> = Omit<Request, 'user'> & { user: U };

/**
 * `handler` for a route behind `requireAuth(auth)`, given `req.user` typed as `auth`'s users: no `!`.
 * A request no guard of `auth` let through with a user is a TypeError (500), never a handler run without
 * one. A promise the handler returns that rejects goes to `next(err)`, on Express 4 as on 5.
 */
export function withUser<U, C extends Claims>(
  auth: Auth<U, C>,
  handler: (req: RequestWithUser<U>, res: Response, next: NextFunction) => unknown,
): RequestHandler {
  return expressOnly('withUser', (req, res, next) => {
    kit.authenticatedOf<U, C>(req, auth, false);
    const result: unknown = handler(req as unknown as RequestWithUser<U>, res, next);
    if (result instanceof Promise) result.catch(next);
  });
}

/**
 * Issues a token for `claims` and sets the session cookie; returns the token. Await it before
 * answering: a cookie that comes after the response is a TypeError (reported as a process warning
 * when nobody awaits it), never a crash.
 */
export function signIn<U, C extends Claims>(
  res: Response,
  auth: Auth<U, C>,
  claims: C,
  options?: SignInOptions,
): Promise<string> {
  kit.checkCookieTarget('express', 'signIn(res, ...)', res);
  const started = auth.startSession(claims, options, { secure: res.req.secure });
  const sent = () => res.headersSent;
  return kit.signingIn(started, sent, (cookies) => res.append('Set-Cookie', [...cookies]));
}

/**
 * Clears the session cookies at once, then revokes the request's login (with `everywhere`, every
 * login of its user). Await it to learn of a store outage; forgotten, it still logs the browser out.
 */
export function signOut<U, C extends Claims>(
  res: Response,
  auth: Auth<U, C>,
  options: SignOutOptions = {},
): Promise<void> {
  kit.checkCookieTarget('express', 'signOut(res, ...)', res);
  const req = res.req;
  const context = { secure: req.secure, path: req.originalUrl, request: req };
  const claims = kit.sessionOf<U, C>(req, auth)?.claims;
  const { cookies, revoked } = auth.endSession(req, { ...options, ...context, claims });
  res.append('Set-Cookie', [...cookies]);
  return revoked;
}

/** Serves the public JWK Set of `auth`'s keys, e.g. `app.get('/.well-known/jwks.json', jwksHandler(auth))`. */
export function jwksHandler<U, C extends Claims>(
  auth: Auth<U, C>,
  options?: JwksHandlerOptions,
): RequestHandler {
  const { status, headers, body } = kit.jwksResponse(auth, options);
  return expressOnly('jwksHandler', (_req, res) => {
    res.status(status).set(headers).send(body);
  });
}

/** Exchanges the refresh cookie for a new session (rotation with reuse detection); answers 204. */
export function refreshHandler<U, C extends Claims>(auth: Auth<U, C>): RequestHandler {
  return expressOnly('refreshHandler', (req, res, next) => {
    const context = { secure: req.secure, path: req.originalUrl, request: req };
    whenOpen(kit.refreshAnswer(auth, req, context), res, next, (answer) => {
      if ('status' in answer) respond(res, answer);
      else res.append('Set-Cookie', [...answer.cookies]).sendStatus(204);
    });
  });
}

/**
 * The live logins of `req`'s user ("Your sessions"), newest first, its own marked `current`, for a page
 * behind `requireAuth(auth)`. Rejects with `ERR_TOKEN_MISSING` for an anonymous request (`optionalAuth`).
 */
export function loginsOf<U, C extends Claims>(req: Request, auth: Auth<U, C>): Promise<Login[]> {
  return kit.requestLogins(req, auth);
}

/**
 * Ends the login `sid` (from a form) of `res.req`'s user with sign-out's cross-site rules, clearing the
 * session cookies when it is the request's own: true when it did; false, changing nothing, for any other
 * value (another user's sid among them).
 */
export function endLogin<U, C extends Claims>(
  res: Response,
  auth: Auth<U, C>,
  sid: unknown,
): Promise<boolean> {
  const { cookies, ended } = kit.endRequestLogin(res.req, auth, sid, { secure: res.req.secure });
  if (cookies.length > 0) res.append('Set-Cookie', [...cookies]);
  return ended;
}

// The JSON of `work`, never cached, or the refusal a guard would answer; other errors go to next(err).
function answerJson(work: Promise<object>, res: Response, next: NextFunction, realm: string): void {
  whenOpen(kit.answerOf(work, realm), res, next, (answer) => {
    if ('status' in answer) respond(res, answer);
    else res.set('Cache-Control', 'no-store').json(answer);
  });
}

/** Answers `{ logins }` (see `loginsOf`); mount it behind `requireAuth(auth)`. */
export function loginsHandler<U, C extends Claims>(auth: Auth<U, C>): RequestHandler {
  return expressOnly('loginsHandler', (req, res, next) => {
    const work = loginsOf(req, auth).then((logins) => ({ logins }));
    answerJson(work, res, next, auth.realm);
  });
}

/**
 * Ends the login of the route's `:sid`, else of the parsed body's `sid` (`express.urlencoded()` or
 * `express.json()` before it), and answers `{ ended }` (see `endLogin`). Behind `requireAuth(auth)`.
 */
export function endLoginHandler<U, C extends Claims>(auth: Auth<U, C>): RequestHandler {
  return expressOnly('endLoginHandler', (req, res, next) => {
    const sid = kit.requestedSid(req.params, req.body as unknown);
    const work = endLogin(res, auth, sid).then((ended) => ({ ended }));
    answerJson(work, res, next, auth.realm);
  });
}

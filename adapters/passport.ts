/**
 * Passport 0.7: `JwtGateStrategy`, the strategy `passport.authenticate('jwt-gate', { session: false })` runs.
 * @module jwt-gate/passport
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGuard, rememberSession, toAuth } from '../src/adapter-kit/index.js';
import type { AccessRules, GuardContext, GuardDecision } from '../src/adapter-kit/index.js';
import type { Auth, AuthError, AuthOptions, Claims, TokenSource } from '../src/index.js';

declare global {
  // The shape of passport's and jwt-gate/express's own declarations, so all three can be installed together.
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by the app
    interface User {}
    interface Request {
      user?: User | undefined;
      /** Why the last guard or strategy of jwt-gate refused the request, with its stable `code`. */
      authError?: AuthError | undefined;
    }
  }
}

/**
 * The request passport hands a strategy: Node's, with what Express adds when it is there (the response,
 * `originalUrl`, `secure`). Nothing else is read from it.
 */
export interface PassportRequest extends IncomingMessage {
  /** Express: the URL before any rewrite, for `refused` events and sign-out's path check. */
  readonly originalUrl?: string | undefined;
  /** Express: where the router is mounted; with `path`, the routed path. */
  readonly baseUrl?: string | undefined;
  /** Express: the path within the mount point. */
  readonly path?: string | undefined;
  /** Express: whether the request came over HTTPS, for the `Secure` flag of a renewed cookie. */
  readonly secure?: boolean | undefined;
  /** Express: the response, where a renewed cookie is set and a CORS preflight answered. */
  readonly res?: ServerResponse | undefined;
  /** Express: the router's `next`, given what the app's custom callback throws. */
  readonly next?: ((err?: unknown) => void) | undefined;
  /** Why the strategy refused the request: the `AuthError`, with its stable `code`. */
  authError?: AuthError | undefined;
}

/** What `passport.authenticate` passes on with the user: `req.authInfo`, and a custom callback's `info`. */
export interface JwtGateInfo<C extends Claims = Claims> {
  /** The verified token's claims (the user may be what a `user` mapper made of them). */
  readonly claims: C;
  /** Where the request carried the token. */
  readonly source: TokenSource;
}

/** The second argument of `new JwtGateStrategy(auth, options)`: the guards' access rules, and `preflight`. */
export interface JwtGateStrategyOptions<C extends Claims = Claims> extends AccessRules<C> {
  /**
   * A CORS preflight carries no credentials. `'answer'`: the strategy answers it 204 itself (it needs
   * `req.res`, which Express sets); `'next'`: passport goes on to the next handler, with no user.
   * @default 'answer'
   */
  readonly preflight?: 'answer' | 'next';
}

const OPTIONS = new Set(['roles', 'scopes', 'check', 'preflight']);

// koa-passport hands strategies a stand-in request holding Koa's context, and a stand-in response.
interface KoaContextLike {
  readonly secure?: unknown;
  readonly originalUrl?: unknown;
  readonly append?: unknown;
}
const koaContextOf = (req: PassportRequest): KoaContextLike | undefined =>
  (req as { ctx?: KoaContextLike }).ctx;

// The guards' context, read from what Express (or koa-passport) adds to Node's request when it is there.
function contextOf(req: PassportRequest): GuardContext {
  const koa = koaContextOf(req);
  const koaUrl = typeof koa?.originalUrl === 'string' ? koa.originalUrl : undefined;
  return {
    request: req,
    path: req.originalUrl ?? koaUrl ?? req.url,
    get routedPath() {
      return req.baseUrl !== undefined && req.path !== undefined ? req.baseUrl + req.path : req.url;
    },
    get secure() {
      return req.secure === true || koa?.secure === true;
    },
    get route() {
      const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
      return typeof path === 'string' ? path : undefined;
    },
  };
}

// A renewed session's cookies, added to any the response already sets (Node's API, Express or not;
// under koa-passport, whose stand-in response has no getHeader, through Koa's context).
function appendCookies(
  req: PassportRequest,
  res: ServerResponse | undefined,
  cookies: readonly string[],
): void {
  const koa = koaContextOf(req);
  if (typeof res?.getHeader !== 'function' && typeof koa?.append === 'function') {
    (koa.append as (field: string, value: string[]) => void).call(koa, 'Set-Cookie', [...cookies]);
    return;
  }
  if (res === undefined || res.headersSent) return;
  const set = res.getHeader('set-cookie');
  const before = set === undefined ? [] : Array.isArray(set) ? set : [String(set)];
  res.setHeader('Set-Cookie', [...before, ...cookies]);
}

// passport's actions (its StrategyCreatedStatic), which it sets on the copy of the strategy it makes for
// each request: methods, so that a strategy of a narrower user is still one of `unknown` users.
/** What `this` holds inside `authenticate`: the actions passport adds for each request. */
export interface JwtGateStrategy<U = Claims, C extends Claims = Claims> {
  /** The request is authenticated as `user`: passport sets `req.user`, and `req.authInfo` to `info`. */
  success(user: U, info: JwtGateInfo<C>): void;
  /** A refusal, with the `WWW-Authenticate` value passport sends with a 401. */
  fail(challenge: string | undefined, status: number): void;
  /** An outage or a programming error, for passport's `next(err)` or a custom callback. */
  error(err: unknown): void;
  /** Goes on with no decision (a CORS preflight, with `preflight: 'next'`). */
  pass(): void;
}

/**
 * A Passport 0.7 strategy, named `'jwt-gate'`, on an `Auth`: the token is read from the `Authorization`
 * header or the session cookie as the `Auth` is configured, and checked as `requireAuth` checks it.
 * Passport is given the claims (or what the `user` mapper returns) and `{ claims, source }` as `info`;
 * a refusal fails with its RFC 6750 challenge and status (401, 400, 403) and sets `req.authError`, the
 * `AuthError` with its stable `code`; an outage (503) or any other error goes to passport's `error`.
 * `authOf`, `withUser` and `signOut` of `jwt-gate/express` find the session the strategy accepted.
 * @example
 * passport.use(new JwtGateStrategy(auth));
 * app.get('/me', passport.authenticate('jwt-gate', { session: false }), (req, res) => res.json(req.user));
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class JwtGateStrategy<U = Claims, C extends Claims = Claims> {
  /** The name `passport.authenticate` takes: `'jwt-gate'` (`passport.use(name, strategy)` gives another). */
  readonly name: string = 'jwt-gate';
  /** The `Auth` whose tokens this strategy accepts: sign in and out with the same one. */
  readonly auth: Auth<U, C>;
  // A plain property, not #private: passport calls authenticate on Object.create(strategy).
  private readonly decide: (req: PassportRequest) => Promise<GuardDecision<U, C>>;

  /** Takes an `Auth` (or options to build one) and the guards' `roles`, `scopes`, `check` and `preflight`. */
  constructor(
    authOrOptions: Auth<U, C> | AuthOptions<U, C, PassportRequest>,
    options: JwtGateStrategyOptions<C> = {},
  ) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('jwt-gate/passport: the strategy options must be an object');
    for (const key of Object.keys(options)) {
      if (!OPTIONS.has(key))
        throw new TypeError(
          `jwt-gate/passport: unknown option "${key}" (expected roles, scopes, check or preflight)`,
        );
    }
    this.auth = toAuth(authOrOptions);
    // property: false: passport puts the user on req.user and the claims on req.authInfo.
    const guard = createGuard(this.auth, { ...options, property: false }, 'required');
    this.decide = (req) => guard(req, contextOf(req));
  }

  /** Called by passport, with its actions as `this`: decides the request, then calls one of them. */
  authenticate(req: PassportRequest): void {
    // Called on the strategy itself there is no action to call: said now, not as an unhandled rejection.
    if (typeof this.success !== 'function' || typeof this.error !== 'function')
      throw new TypeError(
        'jwt-gate/passport: authenticate is called by passport: passport.use(strategy), then passport.authenticate()',
      );
    const res = req.res;
    // A timeout middleware may have answered while a key set or store was slow: nothing more to say.
    const open = (): boolean => res?.headersSent !== true;
    this.decide(req)
      .then(
        (decision) => {
          if (open()) this.apply(decision, req, res);
        },
        (err: unknown) => {
          if (open()) this.error(err);
        },
      )
      // An action threw: the app's custom callback, run inside ours. Never passport's error (the callback
      // would run twice), never an unhandled rejection (a crash): Express's next, as for a throwing handler.
      .catch((err: unknown) => {
        if (typeof req.next === 'function') req.next(err);
        else if (res !== undefined && open()) {
          res.statusCode = 500;
          res.end();
        }
      });
  }

  private apply(decision: GuardDecision<U, C>, req: PassportRequest, res: ServerResponse | undefined): void {
    switch (decision.kind) {
      case 'user': {
        const { user, claims, source } = decision.authenticated;
        rememberSession(req, this.auth, decision.authenticated);
        if (req.authError !== undefined) req.authError = undefined;
        if (decision.cookies) appendCookies(req, res, decision.cookies);
        this.success(user, { claims, source });
        return;
      }
      case 'anonymous':
        rememberSession(req, this.auth, null);
        this.pass();
        return;
      case 'preflight':
        // Without Express's req.res there is nobody to answer it: refused as a request without a token.
        if (res === undefined) {
          this.fail(`Bearer realm="${this.auth.realm}"`, 401);
          return;
        }
        res.statusCode = 204;
        res.end();
        return;
      case 'respond': {
        const { error, http } = decision;
        // An outage is no bad token: passport's error, so it is never answered 401.
        if (http.status === 503) {
          this.error(error);
          return;
        }
        req.authError = error;
        this.fail(http.headers['WWW-Authenticate'], http.status);
        return;
      }
      case 'forward':
        this.error(decision.error);
    }
  }
}

import type { Claims } from './jws/claims.js';
import type { CookieOptions } from './cookies/cookie.js';
import type { Duration } from './duration.js';
import type { CsrfOptions } from './authentication/csrf.js';
import type { KeyProvider, MaybePromise } from './keys/provider.js';
import type { TrustedIssuer } from './token/issuers.js';
import type { SessionStore } from './stores/store.js';
import type { RefreshOptions } from './session/refresh.js';
import type { RenewOptions } from './session/renew.js';
import type { AuthEvent } from './events.js';
import type { FoundToken, RequestLike, TokenSourceName } from './authentication/request.js';
import type { TokenCacheOptions } from './token/cache.js';

/**
 * Everything `createAuth` takes. Only `key` is required. `R` is the request your framework's guards
 * hand `getToken` and `requestId`: Express's `req`, Koa's `ctx`, Fastify's `request`.
 */
export interface AuthOptions<U = Claims, C extends Claims = Claims, R extends RequestLike = RequestLike> {
  /**
   * The app's own keys: `hs256()`, `rs256()`, `es256()`, `eddsa()`, `ps256()`, their `fromFiles()`,
   * `keySet()`, `jwks()`, `oidc()`, or your own provider. `false`: none, only `issuers` (nothing is signed).
   */
  key: KeyProvider | false;
  /**
   * Set as `iss` on issue and required to match on verify: the app's own issuer, one string. With
   * `oidc()`, the provider's issuer (an `issuer` given too must equal it). Required beside `issuers`.
   */
  issuer?: string;
  /**
   * Other issuers whose tokens are taken, each with its own keys and rules: a token's `iss` picks the
   * entry (or the app's own `key`), and only that entry's keys verify it. Verify only: sessions,
   * renewal, refresh and the store stay the app's own.
   */
  issuers?: readonly TrustedIssuer[];
  /** Set as `aud` on issue; on verify the token's `aud` must contain one of them. */
  audience?: string | readonly string[];
  /** Set as `sub` on issue and required to match on verify. */
  subject?: string;
  /** Token lifetime. @default '1h' */
  expiresIn?: Duration;
  /** Refuse tokens without `exp`. @default true */
  requireExp?: boolean;
  /**
   * Seconds of clock skew allowed for `exp`, `nbf` and `iat` of the app's own tokens (of `key`). Store
   * entries last twice this past their token's end. @default 1 when `key` signs, 60 when it only verifies
   */
  clockTolerance?: number;
  /** Refuse tokens whose `iat` is older than this, whatever their `exp`. */
  maxTokenAge?: Duration;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** The `typ` header set on issue; a `typ` on a verified token must match (`application/` optional). @default 'JWT' */
  typ?: string;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
  /** Longer tokens are refused before any decoding. @default 8192 */
  maxTokenBytes?: number;
  /** The session cookie, or `false` to read and write no cookie. */
  cookie?: CookieOptions | false;
  /** Accept `Authorization: Bearer <token>` (RFC 6750 §2.1). @default true */
  bearer?: boolean;
  /**
   * Your own extraction, given the framework's request (Express `req`, Koa `ctx`, Fastify `request`). Alone
   * it replaces the built-in one (Bearer header, then cookie); `sources` can put it before them instead, as koa-jwt does.
   * A string is treated as cookie-borne (CSRF checks on unsafe methods; sliding renewal when it is the
   * session cookie's own value); return `{ token, source: 'bearer' }` for a token the client presented
   * on purpose, which no browser sends by itself.
   */
  getToken?: (req: R) => MaybePromise<string | FoundToken | null | undefined>;
  /**
   * Where a token is looked for, in order; the first place that holds one decides (a stale token there
   * is refused, never passed over). koa-jwt's order is `['getToken', 'cookie', 'bearer']`.
   * @default ['getToken'] with a getToken, else ['bearer', 'cookie']
   */
  sources?: readonly TokenSourceName[];
  /**
   * Your request id (a header your proxy sets, pino-http's `req.id`), read from the framework's request
   * for the `refused` events of `onEvent`. Only strings are kept.
   */
  requestId?: (req: R) => string | undefined;
  /**
   * What lands on `req.user` / `ctx.state.user`. Returning `null`, `undefined` or `false` (no such
   * user any more; passport's `done(null, false)`) refuses the token with `ERR_USER_NOT_FOUND` (401).
   * @default the claims
   */
  user?: (claims: C) => MaybePromise<U | null | undefined | false>;
  /** Called for every token that passed every other check. */
  isRevoked?: (claims: C) => MaybePromise<boolean>;
  /** The realm of the `WWW-Authenticate` challenge. @default 'api' */
  realm?: string;
  /** Where revocations live: `memoryStore()` for one process, `redisStore()` for several, `false` for none. @default memoryStore() */
  store?: SessionStore | false;
  /** Let requests through when the store cannot answer, instead of a 503. Choose it knowingly. @default false */
  failOpen?: boolean;
  /** Cross-site checks for cookie sessions on unsafe methods, or `false`. @default {} (origin checks on) */
  csrf?: CsrfOptions | false;
  /** Sliding sessions: a cookie token past `after` of its lifetime is replaced, until `maxAge` after login. */
  renew?: RenewOptions | false;
  /** Refresh tokens with rotation and reuse detection, in an HttpOnly cookie scoped to `path`. Needs a store. */
  refresh?: RefreshOptions | false;
  /**
   * Hears what happens: refusals (code and claim, never the token), key-set and store outages and
   * their recoveries, keys left out of a fetched set, refresh-token reuse, sign-in, sign-out and
   * refresh. For logs and metrics; a listener that throws is reported as a process warning and never
   * fails a request.
   */
  onEvent?: (event: AuthEvent) => void;
  /**
   * Remembers verified tokens (least recently used first out) so a repeated token skips the
   * signature check; claims, the key, `isRevoked` and the store are still checked every time.
   * @default { max: 1000 }
   */
  cache?: TokenCacheOptions | false;
}

import type { Claims } from './jws/claims.js';
import { resolveCookie, type CookieOptions, type ResolvedCookie } from './cookies/cookie.js';
import { toSeconds, type Duration } from './duration.js';
import { DEFAULT_REALM, assertRealm } from './errors.js';
import { resolveCsrf, type CsrfOptions } from './authentication/csrf.js';
import type { AuthenticationSettings } from './authentication/settings.js';
import { NO_KEYS, resolveIssuer, resolveKey, type KeyProvider, type MaybePromise } from './keys/provider.js';
import { ownClockTolerance } from './token/clock-tolerance.js';
import { resolveIssuers, type TrustedIssuer } from './token/issuers.js';
import { FOLD_AHEAD } from './stores/fold.js';
import { resolveStore, type SessionStore } from './stores/store.js';
import {
  checkKnownKeys,
  flag,
  isWhole,
  optionError,
  optionalFunction,
  optionalString,
  stringList,
} from './validate.js';
import { REFRESH_TYP } from './token/claims-to-sign.js';
import { typKey } from './jws/jws.js';
import { resolveRefresh, type RefreshOptions } from './session/refresh.js';
import { resolveRenew, type RenewOptions } from './session/renew.js';
import type { SessionSettings } from './session/settings.js';
import { eventSink, refusalReporter, type AuthEvent } from './events.js';
import { Outage } from './outage.js';
import { storeEvents } from './stores/store-events.js';
import type { FoundToken, RequestLike, TokenSourceName } from './authentication/request.js';
import { resolveSources } from './authentication/sources.js';
import { resolveCache, type TokenCacheOptions } from './token/cache.js';
import type { TokenSettings } from './token/settings.js';

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

/**
 * The options with every default filled in and checked; read on the request path, never re-derived.
 * Built once here; each feature reads it through the settings it declares.
 */
export interface ResolvedOptions<U, C extends Claims>
  extends TokenSettings<C>, AuthenticationSettings<U, C>, SessionSettings {
  readonly cookie: ResolvedCookie | undefined;
}

const KNOWN = [
  'key',
  'issuer',
  'issuers',
  'audience',
  'subject',
  'expiresIn',
  'requireExp',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'typ',
  'now',
  'maxTokenBytes',
  'cookie',
  'bearer',
  'getToken',
  'sources',
  'requestId',
  'user',
  'isRevoked',
  'realm',
  'store',
  'failOpen',
  'csrf',
  'renew',
  'refresh',
  'cache',
  'onEvent',
] as const;

// express-jwt's and koa-jwt's options, and what takes their place here.
const REPLACEMENTS: Readonly<Record<string, string>> = Object.freeze({
  secret: 'use key: hs256(secret) (or rs256({ publicKey }), jwks({ url }))',
  algorithms: 'the key decides the algorithm: hs256() verifies HS256 only, rs256() RS256 only',
  credentialsRequired: 'use optionalAuth (with { invalid: "refuse" } to still refuse a bad token)',
  passthrough: 'use optionalAuth: the error is kept on req.authError / ctx.state.authError',
  requestProperty: 'pass { property } to requireAuth / optionalAuth for the claims (req.user holds them too)',
  tokenKey: 'the token is authOf(req, auth).token',
  onExpired: 'optionalAuth keeps the error on req.authError; or requireAuth(auth, { errors: "forward" })',
  debug: 'use onEvent',
});

/** Checks every option once and fills in the defaults. */
// Date.now read at each call, not kept: tests that fake the clock after the app was made (vi, jest, sinon)
// are followed, as jsonwebtoken follows them.
const readClock = (): number => Date.now();

export function resolveOptions<U, C extends Claims, R extends RequestLike>(
  options: AuthOptions<U, C, R>,
): ResolvedOptions<U, C> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: createAuth needs an options object');
  checkKnownKeys(options, KNOWN, 'createAuth', REPLACEMENTS);
  // `key: false` says the app has no keys of its own: only other issuers' tokens are taken.
  const ownKeys = options.key !== false;
  if (!ownKeys && options.issuers === undefined)
    throw optionError('key', 'a key provider; false (no keys of its own) needs issuers');
  const key = ownKeys ? resolveKey(options.key) : NO_KEYS;
  const clockTolerance = ownClockTolerance(options.clockTolerance, key.signingKey?.() !== undefined);
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  if (!isWhole(maxTokenBytes, 16)) throw optionError('maxTokenBytes', 'a whole number of bytes');
  const expiresIn = toSeconds(options.expiresIn ?? '1h', 'expiresIn');
  if (expiresIn === 0) throw optionError('expiresIn', 'longer than 0 seconds');
  const typ = optionalString(options.typ, 'typ') ?? 'JWT';
  // The typ tells refresh tokens from access tokens: one named alike would pass for the other.
  if (typKey(typ) === REFRESH_TYP)
    throw optionError('typ', `another type than the refresh tokens' (${REFRESH_TYP})`);
  const realm = options.realm ?? DEFAULT_REALM;
  assertRealm(realm);
  const issuer = resolveIssuer(options.issuer, key);
  const emit = eventSink(optionalFunction(options.onEvent, 'onEvent'));
  const otherIssuers = resolveIssuers(options.issuers, { issuer, ownKeys }, emit);
  const audience = stringList(options.audience, 'audience');
  const subject = optionalString(options.subject, 'subject');
  const cookie = resolveCookie(options.cookie, process.env.NODE_ENV === 'production');
  const now = optionalFunction(options.now, 'now') ?? readClock;
  const store = resolveStore(options.store, now);
  // A store folds a flooding subject into a cut FOLD_AHEAD s ahead of its clock: a token issued that far
  // ahead, judged that far behind, must still fall under it.
  if (store !== undefined && clockTolerance > FOLD_AHEAD / 2)
    throw optionError('clockTolerance', `at most ${FOLD_AHEAD / 2} seconds with a session store`);
  const requestId = optionalFunction(options.requestId, 'requestId') as
    ((req: unknown) => unknown) | undefined;
  // A store's own changes of state (a near cache turned off) are the app's events too.
  if (emit !== undefined) store?.watch?.(storeEvents(emit));
  const csrf = resolveCsrf(options.csrf, cookie);
  return Object.freeze({
    provider: key,
    claimRules: Object.freeze({
      issuer,
      audience,
      subject,
      requireExp: flag(options.requireExp, 'requireExp', true),
      clockTolerance,
      maxTokenAge:
        options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge, 'maxTokenAge'),
      requiredClaims: stringList(options.requiredClaims, 'requiredClaims') ?? [],
    }),
    otherIssuers,
    issuer,
    audience: audience?.length === 1 ? audience[0] : audience,
    subject,
    expiresIn,
    typ,
    typKey: typKey(typ),
    now,
    maxTokenBytes,
    cookie,
    sources: resolveSources({
      sources: options.sources,
      bearer: flag(options.bearer, 'bearer', true),
      cookieName: cookie?.name,
      getToken: optionalFunction(options.getToken, 'getToken') !== undefined,
    }),
    // The adapters hand getToken the framework's own request: the R it was typed for.
    getToken: options.getToken as ResolvedOptions<U, C>['getToken'],
    user: optionalFunction(options.user, 'user'),
    isRevoked: optionalFunction(options.isRevoked, 'isRevoked'),
    realm,
    store,
    failOpen: flag(options.failOpen, 'failOpen', false),
    csrf,
    renew: resolveRenew(options.renew, key),
    refresh: resolveRefresh(options.refresh, { key, store, cookie, csrfCookie: csrf?.cookie }),
    cache: resolveCache(options.cache, maxTokenBytes),
    emit,
    refused: emit === undefined ? undefined : refusalReporter(emit, requestId),
    storeOutage:
      emit === undefined || store === undefined ? undefined : new Outage(emit, 'store-unavailable'),
    keysOutage: emit === undefined ? undefined : new Outage(emit, 'keys-unavailable'),
  });
}

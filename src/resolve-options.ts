import type { Claims } from './jws/claims.js';
import { resolveCookie, type ResolvedCookie } from './cookies/cookie.js';
import { toSeconds } from './duration.js';
import { DEFAULT_REALM, assertRealm } from './errors.js';
import { resolveCsrf } from './authentication/csrf.js';
import type { AuthenticationSettings } from './authentication/settings.js';
import { NO_KEYS, resolveIssuer, resolveKey } from './keys/provider.js';
import { ownClockTolerance } from './token/clock-tolerance.js';
import { resolveIssuers } from './token/issuers.js';
import { FOLD_AHEAD } from './stores/fold.js';
import { resolveStore } from './stores/store.js';
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
import { resolveRefresh } from './session/refresh.js';
import { resolveRenew } from './session/renew.js';
import type { SessionSettings } from './session/settings.js';
import { eventSink, refusalReporter } from './events.js';
import { Outage } from './outage.js';
import { storeEvents } from './stores/store-events.js';
import type { RequestLike } from './authentication/request.js';
import { resolveSources } from './authentication/sources.js';
import { resolveCache } from './token/cache.js';
import type { TokenSettings } from './token/settings.js';
import type { AuthOptions } from './options.js';

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

// Date.now read at each call, not kept: tests that fake the clock after the app was made (vi, jest, sinon)
// are followed, as jsonwebtoken follows them.
const readClock = (): number => Date.now();

/** Checks every option once and fills in the defaults. */
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

import { toSeconds, type Duration } from '../duration.js';
import { AuthError, refusedSubject } from '../errors.js';
import { isHostPrefixed, resolveCookie, type ResolvedCookie, type SecureHint } from '../cookies/cookie.js';
import { checkCsrf } from '../authentication/csrf.js';
import { cookieToken } from '../authentication/headers.js';
import type { RequestContext, RequestLike } from '../authentication/request.js';
import type { KeyProvider } from '../keys/provider.js';
import type { Refusal } from '../refusal.js';
import { checkStore, loginIssuerOf, storeWrite } from '../stores/store-check.js';
import type { SessionStore } from '../stores/store.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import { REFRESH_TYP } from '../token/claims-to-sign.js';
import { refreshStepOf } from '../jws/login-id.js';
import type { Tokens } from '../token/tokens.js';
import { checkKnownKeys, optionError } from '../validate.js';
import { refreshCookie, sessionCookies, type StartedSession } from '../cookies/session-cookies.js';
import { loginEnd, withoutManaged } from './login.js';
import { touchLogin } from './logins.js';
import type { SessionSettings } from './settings.js';

/** Refresh tokens with rotation and reuse detection, in an HttpOnly cookie scoped to `path`. Needs a store. */
export interface RefreshOptions {
  /** How long a login lasts through refreshes, counted from sign-in. */
  readonly expiresIn: Duration;
  /**
   * The only path the refresh cookie is sent to, with everything under it: mount `refreshHandler` and
   * sign-out there (`/auth/refresh`, `/auth/logout`), so sign-out can end a login whose access token
   * has expired. @default '/auth', or '/' for a `__Host-` cookie
   */
  readonly path?: string;
  /**
   * The refresh cookie's name. A `__Host-` name (`'__Host-jwt-refresh'`) makes it host-only, Secure and
   * sent to every path, so no sibling subdomain can set one beside it. @default 'jwt-refresh'
   */
  readonly cookie?: string;
}

/** `refresh` resolved: `expiresIn` in seconds, and the refresh cookie. */
export interface ResolvedRefresh {
  readonly expiresIn: number;
  readonly cookie: ResolvedCookie;
}

export function resolveRefresh(
  value: unknown,
  o: {
    key: KeyProvider;
    store: SessionStore | undefined;
    cookie: ResolvedCookie | undefined;
    csrfCookie: ResolvedCookie | undefined;
  },
): ResolvedRefresh | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'object' || value === null)
    throw optionError('refresh', 'an object like { expiresIn: "30d" } or false');
  checkKnownKeys(value, ['expiresIn', 'path', 'cookie'], 'refresh');
  const { expiresIn, cookie: name = 'jwt-refresh' } = value as RefreshOptions;
  if (typeof name !== 'string' || name === '') throw optionError('refresh.cookie', 'a cookie name');
  const hostOnly = isHostPrefixed(name);
  const { path = hostOnly ? '/' : '/auth' } = value as RefreshOptions;
  if (o.store === undefined) throw optionError('refresh', 'used with a store: rotation keeps state');
  if (o.cookie === undefined) throw optionError('refresh', 'used with cookies on');
  if (o.key.signingKey?.() === undefined)
    throw optionError('refresh', 'used with a key provider that can sign');
  // Two cookies of one name would be sent together, and a request carrying a name twice is refused.
  if (name === o.cookie.name || name === o.csrfCookie?.name)
    throw optionError('refresh.cookie', "different from the session cookie's and the csrf cookie's names");
  const { sameSite, domain } = o.cookie.attributes;
  // Browsers take a __Host- cookie only host-only at Path=/: say so here, not by a cookie that never arrives.
  if (hostOnly && path !== '/') throw optionError('refresh.path', '"/" for a __Host- refresh cookie');
  if (hostOnly && domain !== undefined)
    throw new TypeError(
      `jwt-gate: a __Host- refresh cookie cannot take cookie.domain ("${domain}"): browsers refuse a __Host- cookie with a Domain`,
    );
  // Strict: the refresh cookie is never sent on a cross-site request, not even a top-level link.
  const cookie = resolveCookie(
    {
      name,
      path,
      sameSite: sameSite === 'none' ? 'none' : 'strict',
      ...(domain === undefined ? {} : { domain }),
      ...(o.cookie.secure === undefined ? {} : { secure: o.cookie.secure }),
    },
    o.cookie.production,
  );
  return Object.freeze({
    expiresIn: toSeconds(expiresIn, 'refresh.expiresIn'),
    cookie: cookie as ResolvedCookie,
  });
}

/** Rotation with reuse detection (OAuth 2.0 Security BCP §4.14): a refresh token works once. */
export async function refresh<C extends Claims>(
  o: SessionSettings,
  tokens: Tokens<C>,
  refusal: Refusal,
  req: RequestLike,
  hint?: SecureHint & RequestContext,
): Promise<StartedSession> {
  const options = o.refresh;
  const store = o.store;
  if (options === undefined || store === undefined)
    throw new TypeError('jwt-gate: refresh is not configured');
  let claims: Claims | undefined;
  try {
    const token = cookieToken(req.headers.cookie, options.cookie.name);
    if (token === undefined) throw new AuthError('ERR_TOKEN_MISSING');
    claims = await tokens.verifyToken(token, REFRESH_TYP);
    checkCsrf(req, claims, o.csrf);
    const { jti, sid, exp } = claims;
    if (typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number')
      throw new AuthError('ERR_CLAIM_INVALID', { claim: 'sid' });
    const sub = subjectOf(claims);
    const remaining = exp - Math.floor(o.now() / 1000);
    // Inside clockTolerance after the login's end there is nothing left to hand out.
    if (remaining <= 0) throw new AuthError('ERR_TOKEN_EXPIRED');
    // Markers outlive every token this login may still hand out.
    const until = loginEnd(o, claims, true);
    // One entry per login: the highest rotation step spent. A refresh token from before steps has its own.
    const step = refreshStepOf(jti);
    let first = false;
    await storeWrite(async () => {
      first =
        step === undefined
          ? await store.useOnce(`rt:${jti}`, until, sub)
          : await store.useOnce(`rt:${sid}`, until, sub, step);
      // A second use means two holders: end the whole login, the thief's and the user's.
      if (!first) await store.revoke(`sid:${sid}`, until, sub);
    }, o.storeOutage);
    if (!first) {
      o.emit?.({ type: 'refresh-reuse', sub });
      throw new AuthError('ERR_TOKEN_REVOKED');
    }
    // A sign-out or "log out everywhere" that landed while this refresh ran must still win.
    const login = {
      sid,
      ...(sub === undefined ? {} : { sub }),
      ...(claims.iss === undefined ? {} : { iss: claims.iss }),
      ...(claims.iat === undefined ? {} : { iat: claims.iat }),
    };
    // The app signs every refresh token: its login is its own. Its record is moved in the same round
    // trip; an end that lands meanwhile deletes the record, which the move never makes again.
    await Promise.all([
      checkStore(store, login, {
        failOpen: false,
        consistent: true,
        outage: o.storeOutage,
        loginIssuer: loginIssuerOf(true, o.claimRules.issuer),
      }),
      touchLogin(o, claims),
    ]);
    const kept = withoutManaged(claims) as C;
    const access = await tokens.sign(kept);
    const cookies = sessionCookies(o, tokens, access, claims.csrf, hint, remaining);
    // The login keeps its end: a rotated refresh token expires when the first one would have.
    cookies.push(await refreshCookie(o, tokens, kept, remaining, hint, (step ?? 0) + 1));
    o.emit?.({ type: 'refreshed', sub });
    return { token: access, cookies };
  } catch (err) {
    throw refusal.error(refusedSubject(err, claims), req, hint);
  }
}

import type {
  Authenticated,
  EndSessionOptions,
  EndedSession,
  IssueOverrides,
  StartedSession,
} from './auth.js';
import type { Claims } from './token/claims.js';
import {
  clearCookieHeader,
  sessionCookieHeader,
  type ResolvedCookie,
  type SecureHint,
} from './http/cookie.js';
import { checkCsrf, isCrossSite, isUnsafe } from './http/csrf.js';
import { AuthError, isAuthError, withRealm } from './errors.js';
import { reportRefusal } from './events.js';
import { newTokenId } from './token/jws.js';
import type { ResolvedOptions } from './options.js';
import { MANAGED_CLAIMS, REFRESH_TYP } from './token/claims-to-sign.js';
import { toSeconds } from './duration.js';
import { checkStore, csrfCookieHeader, storeWrite, waitOutNotBefore } from './session.js';
import { cookieToken, requestPath, type RequestLike } from './http/request.js';

/** What the session lifecycle borrows from `createAuth`. */
export interface AuthCore<C extends Claims> {
  sign: (claims: C, overrides?: IssueOverrides, refreshToken?: boolean) => Promise<string>;
  verifyToken: (token: unknown, expectedTyp?: string) => Promise<C>;
  /** The request's token, verified and CSRF-checked, without the user mapper; `undefined` when it has none. */
  requestClaims: (req: RequestLike) => Promise<C | undefined>;
  cookieConfig: () => ResolvedCookie;
  lifetimeOf: (token: string) => number | undefined;
}

export interface Lifecycle<U, C extends Claims> {
  revoke(claims: Claims): Promise<void>;
  revokeSubject(sub: string): Promise<void>;
  startSession(claims: C, overrides?: IssueOverrides, hint?: SecureHint): Promise<StartedSession>;
  endSession(req: RequestLike, options?: EndSessionOptions): EndedSession;
  renew(session: Authenticated<U, C>, hint?: SecureHint): Promise<StartedSession | undefined>;
  refresh(req: RequestLike, hint?: SecureHint): Promise<StartedSession>;
}

const subjectOf = (claims: Claims): string | undefined =>
  typeof claims.sub === 'string' ? claims.sub : undefined;

function withoutManaged(claims: Claims): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
  return kept;
}

// RFC 6265 §5.1.4: whether a cookie with path `cookiePath` is sent to `path`.
function cookieReaches(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true;
  return path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/');
}

// Whether the route of a sign-out at request target `target` lies under `cookiePath`. Routers follow
// the path of an absolute-form target (`http://host/auth/logout`) and match it in any case (the default
// of Express and @koa/router): a client's choice of either is its input, never the app's misrouting.
function routedUnder(target: string, cookiePath: string): boolean {
  const path = target.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, '').replace(/[?#][^]*$/, '') || '/';
  return cookieReaches(path.toLowerCase(), cookiePath.toLowerCase());
}

/** Sign-in, sign-out, revocation, sliding renewal and refresh rotation: the stateful half of a session. */
export function createLifecycle<U, C extends Claims>(
  o: ResolvedOptions<U, C>,
  core: AuthCore<C>,
): Lifecycle<U, C> {
  const { sign, verifyToken, requestClaims, cookieConfig, lifetimeOf } = core;
  const { realm, rules } = o;

  function storeOrThrow(): NonNullable<typeof o.store> {
    if (o.store === undefined)
      throw new TypeError('jwt-gate: revocation needs a store (store: false is set)');
    return o.store;
  }

  // How long after sign-in any token of one login may still be valid: its access tokens, its
  // renewals, its refresh tokens and the access tokens they hand out.
  const loginSpan = Math.max(
    o.expiresIn,
    o.refresh === undefined ? 0 : o.refresh.expiresIn + o.expiresIn,
    o.renew?.maxAge ?? 0,
  );

  // Until when a whole login must stay refused, judged from one of its tokens.
  // A sid is `<random>.<end>`: the login's last second, signed into every token of the login, so a
  // sign-out that sees only one of them knows how long to refuse them all ("remember me" included).
  const sidEnd = (sid: unknown): number => {
    const end = typeof sid === 'string' ? /\.(\d{1,15})$/.exec(sid)?.[1] : undefined;
    return end === undefined ? -Infinity : Number(end);
  };

  function loginEnd(claims: Claims, refreshToken: boolean): number {
    const exp = typeof claims.exp === 'number' ? claims.exp : Infinity;
    const loggedIn =
      typeof claims.auth_time === 'number'
        ? claims.auth_time
        : typeof claims.iat === 'number'
          ? claims.iat
          : o.now() / 1000;
    // A refresh token's exp is the login's end; what it hands out lives one access lifetime more.
    return (
      Math.max(refreshToken ? exp + o.expiresIn : exp, loggedIn + loginSpan, sidEnd(claims.sid)) +
      rules.clockTolerance
    );
  }

  async function revoke(claims: Claims): Promise<void> {
    const store = storeOrThrow();
    if (typeof claims.jti !== 'string')
      throw new TypeError('jwt-gate: only a token with a jti can be revoked');
    let until: number;
    if (typeof claims.exp === 'number') until = claims.exp + rules.clockTolerance;
    // A token without exp that verify would refuse anyway needs no entry.
    else if (rules.requireExp) return;
    // Otherwise it is valid for ever, unless maxTokenAge ends it.
    else
      until =
        rules.maxTokenAge !== undefined && typeof claims.iat === 'number'
          ? claims.iat + rules.maxTokenAge + rules.clockTolerance
          : Infinity;
    await storeWrite(
      () => store.revoke(`jti:${claims.jti as string}`, until, subjectOf(claims)),
      o.storeOutage,
    );
  }

  async function revokeSubject(sub: string): Promise<void> {
    const store = storeOrThrow();
    if (typeof sub !== 'string' || sub === '') throw new TypeError('jwt-gate: revokeSubject needs a subject');
    const now = o.now() / 1000;
    // Every token ever issued to `sub`, whatever its own expiresIn or none, is covered: only maxTokenAge
    // bounds how long one may live. Not rounded: with whole-second iat, this second's tokens go too.
    const until = rules.maxTokenAge === undefined ? Infinity : now + rules.maxTokenAge + rules.clockTolerance;
    await storeWrite(() => store.revokeSubject(sub, now, until), o.storeOutage);
  }

  function sessionCookies(token: string, csrfValue: unknown, hint: SecureHint | undefined): string[] {
    const cookie = cookieConfig();
    const lifetime = lifetimeOf(token);
    const cookies = [sessionCookieHeader(cookie, token, lifetime, hint)];
    if (typeof csrfValue === 'string' && o.csrf !== undefined)
      cookies.push(csrfCookieHeader(cookie, o.csrf.cookie, csrfValue, lifetime, hint));
    return cookies;
  }

  // The refresh token carries the session's claims, so a refresh needs nothing but the store.
  async function refreshCookie(claims: C, lifetime: number, hint: SecureHint | undefined): Promise<string> {
    const refresh = o.refresh as NonNullable<typeof o.refresh>;
    const token = await sign(claims, { expiresIn: lifetime }, true);
    return sessionCookieHeader(refresh.cookie, token, lifetime, hint);
  }

  /** Rotation with reuse detection (OAuth 2.0 Security BCP §4.14): a refresh token works once. */
  async function refresh(req: RequestLike, hint?: SecureHint): Promise<StartedSession> {
    const options = o.refresh;
    const store = o.store;
    if (options === undefined || store === undefined)
      throw new TypeError('jwt-gate: refresh is not configured');
    try {
      const token = cookieToken(req.headers.cookie, options.cookie.name);
      if (token === undefined) throw new AuthError('ERR_TOKEN_MISSING');
      const claims = await verifyToken(token, REFRESH_TYP);
      if (o.csrf !== undefined && isUnsafe(req)) checkCsrf(req, claims, o.csrf);
      const { jti, sid, exp } = claims;
      if (typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number')
        throw new AuthError('ERR_CLAIM_INVALID', { claim: 'sid' });
      const sub = subjectOf(claims);
      const remaining = exp - Math.floor(o.now() / 1000);
      // Inside clockTolerance after the login's end there is nothing left to hand out.
      if (remaining <= 0) throw new AuthError('ERR_TOKEN_EXPIRED');
      // Markers outlive every token this login may still hand out.
      const until = loginEnd(claims, true);
      let first = false;
      await storeWrite(async () => {
        first = await store.useOnce(`rt:${jti}`, until, sub);
        // A second use means two holders: end the whole login, the thief's and the user's.
        if (!first) await store.revoke(`sid:${sid}`, until, sub);
      }, o.storeOutage);
      if (!first) {
        o.emit?.({ type: 'refresh-reuse', sub });
        throw new AuthError('ERR_TOKEN_REVOKED');
      }
      // A "log out everywhere" that landed while this refresh ran must still win. (A sign-out, or the
      // losers of a race, revoke the sid that the new tokens carry, so those die at their first use.)
      await checkStore(
        store,
        false,
        { ...(sub === undefined ? {} : { sub }), ...(claims.iat === undefined ? {} : { iat: claims.iat }) },
        true,
        o.storeOutage,
      );
      const kept = withoutManaged(claims) as C;
      const access = await sign(kept);
      const cookies = sessionCookies(access, claims.csrf, hint);
      // The login keeps its end: a rotated refresh token expires when the first one would have.
      cookies.push(await refreshCookie(kept, remaining, hint));
      o.emit?.({ type: 'refreshed', sub });
      return { token: access, cookies };
    } catch (err) {
      throw reportRefusal(o.emit, withRealm(err, realm));
    }
  }

  async function renew(session: Authenticated<U, C>, hint?: SecureHint): Promise<StartedSession | undefined> {
    const options = o.renew;
    const { claims } = session;
    if (options === undefined || o.cookie === undefined || session.source !== 'cookie') return undefined;
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
    const now = o.now() / 1000;
    if (now - iat < options.after * (exp - iat)) return undefined;
    // A token without auth_time counts from its iat, and the renewed one carries that login time on.
    const loggedIn = typeof claims.auth_time === 'number' ? claims.auth_time : iat;
    // The last renewal ends at login + maxAge, never later.
    const lifetime = Math.min(o.expiresIn, Math.floor(loggedIn + options.maxAge - now));
    // Nothing to gain once the new token would end no later than this one.
    if (lifetime <= 0 || Math.floor(now) + lifetime <= exp) return undefined;
    const kept = withoutManaged(claims);
    kept.auth_time = loggedIn;
    const token = await sign(kept as C, { expiresIn: lifetime });
    // A sign-out or "log out everywhere" that landed while this one was signed must still win.
    if (o.store !== undefined) await checkStore(o.store, o.failOpen, claims, true, o.storeOutage);
    return { token, cookies: sessionCookies(token, claims.csrf, hint) };
  }

  async function startSession(
    claims: C,
    overrides: IssueOverrides = {},
    hint?: SecureHint,
  ): Promise<StartedSession> {
    cookieConfig();
    if (o.store !== undefined && typeof claims.sub === 'string')
      await waitOutNotBefore(o.store, claims.sub, o.now);
    const csrfValue = o.csrf?.header === undefined ? undefined : newTokenId();
    // auth_time (OIDC Core §2) keeps the login time through renewals.
    const session = {
      auth_time: Math.floor(o.now() / 1000),
      ...claims,
      ...(csrfValue === undefined ? {} : { csrf: csrfValue }),
    };
    // A longer first token ("remember me") makes a longer login: its refresh token ends no sooner.
    const first =
      overrides.expiresIn === undefined ? o.expiresIn : toSeconds(overrides.expiresIn, 'expiresIn');
    const refreshLife = o.refresh === undefined ? 0 : Math.max(o.refresh.expiresIn, first);
    // sid names the login: renewed and refreshed tokens keep it, and sign-out revokes them all at once.
    const lastSecond =
      session.auth_time + Math.max(loginSpan, first, refreshLife === 0 ? 0 : refreshLife + o.expiresIn);
    const sid = o.store === undefined ? undefined : `${newTokenId()}.${lastSecond}`;
    const token = await sign({ ...session, ...(sid === undefined ? {} : { sid }) }, overrides);
    const cookies = sessionCookies(token, csrfValue, hint);
    if (o.refresh !== undefined) cookies.push(await refreshCookie({ ...session, sid }, refreshLife, hint));
    o.emit?.({ type: 'signed-in', sub: subjectOf(claims) });
    return { token, cookies };
  }

  // A verified token of this request's login, or nothing: a forged, expired or cross-site one
  // revokes nothing. An outage (the store, a key set, isRevoked) must not pass for a sign-out that
  // revoked something: only a refused token is passed over.
  async function verifiedOrNull(verifying: Promise<Claims | undefined>): Promise<Claims | undefined> {
    return verifying.catch((err: unknown) => {
      if (!isAuthError(err) || err.status >= 500) throw err;
      return undefined;
    });
  }

  async function revokeLogin(req: RequestLike, options: EndSessionOptions): Promise<void> {
    const store = o.store;
    if (store === undefined) return;
    // The refresh cookie names the login even after its access token has expired.
    const refreshToken =
      o.refresh === undefined ? undefined : cookieToken(req.headers.cookie, o.refresh.cookie.name);
    // Both reads, then every write, go out together: two round trips, whatever there is to revoke.
    const [access, refreshClaims] = await Promise.all([
      options.claims ?? verifiedOrNull(requestClaims(req)),
      refreshToken === undefined
        ? undefined
        : verifiedOrNull(
            verifyToken(refreshToken, REFRESH_TYP).then((claims) => {
              if (o.csrf !== undefined && isUnsafe(req)) checkCsrf(req, claims, o.csrf);
              return claims;
            }),
          ),
    ]);
    const writes: Promise<void>[] = [];
    if (access !== undefined && typeof access.jti === 'string') writes.push(revoke(access));
    const logins = new Map<string, { sub: string | undefined; until: number }>();
    for (const [claims, isRefresh] of [
      [access, false],
      [refreshClaims, true],
    ] as const) {
      if (claims === undefined || typeof claims.sid !== 'string') continue;
      const until = Math.max(loginEnd(claims, isRefresh), logins.get(claims.sid)?.until ?? -Infinity);
      logins.set(claims.sid, { sub: subjectOf(claims), until });
    }
    for (const [sid, { sub, until }] of logins)
      writes.push(storeWrite(() => store.revoke(`sid:${sid}`, until, sub), o.storeOutage));
    const sub = subjectOf(access ?? {}) ?? subjectOf(refreshClaims ?? {});
    if (options.everywhere && sub !== undefined) writes.push(revokeSubject(sub));
    await Promise.all(writes);
    o.emit?.({ type: 'signed-out', sub, everywhere: options.everywhere === true });
  }

  function carriesSessionCookie(req: RequestLike): boolean {
    try {
      return (
        cookieToken(req.headers.cookie, cookieConfig().name) !== undefined ||
        (o.refresh !== undefined && cookieToken(req.headers.cookie, o.refresh.cookie.name) !== undefined)
      );
    } catch {
      // A Cookie header that is no text carries no session.
      return false;
    }
  }

  function endSession(req: RequestLike, options: EndSessionOptions = {}): EndedSession {
    const cookie = cookieConfig();
    const path = options.path ?? requestPath(req);
    // A sign-out the refresh cookie cannot reach would leave a login alive once its access token
    // expired: refuse that routing loudly, at the first sign-out.
    if (
      o.refresh !== undefined &&
      path !== undefined &&
      path !== '' &&
      !routedUnder(path, o.refresh.cookie.attributes.path ?? '/')
    ) {
      throw new TypeError(
        `jwt-gate: sign-out at "${path}" cannot see the refresh cookie, which is sent only under refresh.path "${o.refresh.cookie.attributes.path}": route sign-out under it`,
      );
    }
    // Another site's form must not log the browser out (logout CSRF): no cookie cleared, nothing revoked.
    if (o.csrf !== undefined && isUnsafe(req) && carriesSessionCookie(req) && isCrossSite(req, o.csrf)) {
      const refused = Promise.reject(reportRefusal(o.emit, new AuthError('ERR_CSRF', { realm })));
      refused.catch(() => undefined);
      return { cookies: [], revoked: refused };
    }
    // The clearing cookies come first, so a sign-out that is not awaited still logs the browser out.
    const cookies = [clearCookieHeader(cookie, options)];
    if (o.csrf?.header !== undefined)
      cookies.push(csrfCookieHeader(cookie, o.csrf.cookie, undefined, undefined, options));
    if (o.refresh !== undefined) cookies.push(clearCookieHeader(o.refresh.cookie, options));
    const revoked = revokeLogin(req, options).catch((err: unknown) => {
      throw isAuthError(err) ? new AuthError(err.code, { realm, cause: err.cause, setCookie: cookies }) : err;
    });
    // Marked as handled: an un-awaited sign-out must not take the process down; awaiting still rejects.
    revoked.catch(() => undefined);
    return { cookies, revoked };
  }

  return { revoke, revokeSubject, startSession, endSession, renew, refresh };
}

import type { Authenticated, EndSessionOptions, IssueOverrides, StartedSession } from './auth.js';
import type { Claims } from './claims.js';
import { clearCookieHeader, sessionCookieHeader, type ResolvedCookie, type SecureHint } from './cookie.js';
import { checkCsrf, isUnsafe, type MethodRequestLike } from './csrf.js';
import { AuthError, isAuthError, withRealm } from './errors.js';
import { newTokenId } from './jws.js';
import type { ResolvedOptions } from './options.js';
import { MANAGED_CLAIMS, REFRESH_TYP } from './payload.js';
import { cameFromCookie, checkStore, csrfCookieHeader, storeWrite, waitOutNotBefore } from './session.js';
import { cookieToken, type RequestLike } from './request.js';

const SUBJECT_MIN_KEEP = 30 * 86400;

/** What the session lifecycle borrows from `createAuth`. */
export interface AuthCore<U, C extends Claims> {
  sign(claims: C, overrides?: IssueOverrides, refreshToken?: boolean): Promise<string>;
  verifyToken(token: unknown, expectedTyp?: string): Promise<C>;
  authenticate(req: RequestLike): Promise<Authenticated<U, C> | null>;
  cookieConfig(): ResolvedCookie;
  lifetimeOf(token: string): number | undefined;
}

export interface Lifecycle<C extends Claims> {
  revoke(claims: Claims): Promise<void>;
  revokeSubject(sub: string): Promise<void>;
  startSession(claims: C, overrides?: IssueOverrides, hint?: SecureHint): Promise<StartedSession>;
  endSession(req: RequestLike, options?: EndSessionOptions): Promise<readonly string[]>;
  renew(req: RequestLike, claims: C, hint?: SecureHint): Promise<StartedSession | undefined>;
  refresh(req: RequestLike, hint?: SecureHint): Promise<StartedSession>;
}

/** Sign-in, sign-out, revocation, sliding renewal and refresh rotation: the stateful half of a session. */
export function createLifecycle<U, C extends Claims>(o: ResolvedOptions<U, C>, core: AuthCore<U, C>): Lifecycle<C> {
  const { sign, verifyToken, authenticate, cookieConfig, lifetimeOf } = core;
  const realm = o.realm;

  function storeOrThrow(): NonNullable<typeof o.store> {
    if (o.store === undefined) throw new TypeError('jwt-gate: revocation needs a store (store: false is set)');
    return o.store;
  }

  // The longest a token issued now may live: how long a subject's not-before must be kept.
  // Per-token expiresIn overrides beyond these are not covered: bound them with maxTokenAge.
  const longestLifetime =
    Math.max(o.expiresIn, o.rules.maxTokenAge ?? 0, o.refresh?.expiresIn ?? 0, o.renew?.maxAge ?? 0) + o.expiresIn + o.rules.clockTolerance;

  async function revoke(claims: Claims): Promise<void> {
    const store = storeOrThrow();
    if (typeof claims.jti !== 'string') throw new TypeError('jwt-gate: only a token with a jti can be revoked');
    const until = typeof claims.exp === 'number' ? claims.exp + o.rules.clockTolerance : o.now() / 1000 + longestLifetime;
    const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
    await storeWrite(() => store.revoke(`jti:${claims.jti as string}`, until, sub));
  }

  async function revokeSubject(sub: string): Promise<void> {
    const store = storeOrThrow();
    if (typeof sub !== 'string' || sub === '') throw new TypeError('jwt-gate: revokeSubject needs a subject');
    const now = o.now() / 1000;
    // Not rounded: with whole-second iat, every token of this second is refused too (see startSession).
    // One small entry per user: keep it long enough for per-token lifetimes ("remember me") too.
    await storeWrite(() => store.revokeSubject(sub, now, now + Math.max(longestLifetime, SUBJECT_MIN_KEEP)));
  }

  function sessionCookies(token: string, csrfValue: unknown, hint: SecureHint | undefined): string[] {
    const cookie = cookieConfig();
    const lifetime = lifetimeOf(token);
    const cookies = [sessionCookieHeader(cookie, token, lifetime, hint)];
    if (typeof csrfValue === 'string' && o.csrf !== undefined) cookies.push(csrfCookieHeader(cookie, o.csrf.cookie, csrfValue, lifetime, hint));
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
    const rules = o.refresh;
    const store = o.store;
    if (rules === undefined || store === undefined) throw new TypeError('jwt-gate: refresh is not configured');
    try {
      const token = cookieToken(req.headers.cookie, rules.cookie.name);
      if (token === undefined) throw new AuthError('ERR_TOKEN_MISSING');
      const claims = await verifyToken(token, REFRESH_TYP);
      if (o.csrf !== undefined && isUnsafe(req as MethodRequestLike)) checkCsrf(req as MethodRequestLike, claims, o.csrf);
      const { jti, sid, exp } = claims;
      const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
      if (typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') throw new AuthError('ERR_CLAIM_INVALID', { claim: 'sid' });
      const remaining = exp - Math.floor(o.now() / 1000);
      // Inside clockTolerance after the login's end there is nothing left to hand out.
      if (remaining <= 0) throw new AuthError('ERR_TOKEN_EXPIRED');
      // Markers outlive every token this login may still hand out.
      const until = exp + o.expiresIn + o.rules.clockTolerance;
      let first = false;
      await storeWrite(async () => {
        first = await store.useOnce(`rt:${jti}`, until, sub);
        // A second use means two holders: end the whole login, the thief's and the user's.
        if (!first) await store.revoke(`sid:${sid}`, until, sub);
      });
      if (!first) throw new AuthError('ERR_TOKEN_REVOKED');
      // A "log out everywhere" that landed while this refresh ran must still win. (A sign-out, or the
      // losers of a race, revoke the sid that the new tokens carry, so those die at their first use.)
      await checkStore(store, false, { ...(claims.sub === undefined ? {} : { sub: claims.sub }), ...(claims.iat === undefined ? {} : { iat: claims.iat }) });
      const kept: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
      const access = await sign(kept as C);
      const cookies = sessionCookies(access, claims.csrf, hint);
      // The login keeps its end: a rotated refresh token expires when the first one would have.
      cookies.push(await refreshCookie(kept as C, remaining, hint));
      return { token: access, cookies };
    } catch (err) {
      throw withRealm(err, realm);
    }
  }

  async function renew(req: RequestLike, claims: C, hint?: SecureHint): Promise<StartedSession | undefined> {
    const rules = o.renew;
    if (rules === undefined || o.cookie === undefined || !cameFromCookie(req, o.sources.bearer)) return undefined;
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
    const now = o.now() / 1000;
    if (now - iat < rules.after * (exp - iat)) return undefined;
    // A token without auth_time counts from its iat, and the renewed one carries that login time on.
    const loggedIn = typeof claims.auth_time === 'number' ? claims.auth_time : iat;
    // The last renewal ends at login + maxAge, never later.
    const lifetime = Math.min(o.expiresIn, Math.floor(loggedIn + rules.maxAge - now));
    // Nothing to gain once the new token would end no later than this one.
    if (lifetime <= 0 || Math.floor(now) + lifetime <= exp) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
    kept.auth_time = loggedIn;
    const token = await sign(kept as C, { expiresIn: lifetime });
    return { token, cookies: sessionCookies(token, claims.csrf, hint) };
  }

  async function startSession(claims: C, overrides: IssueOverrides = {}, hint?: SecureHint): Promise<StartedSession> {
    cookieConfig();
    if (o.store !== undefined && typeof claims.sub === 'string') await waitOutNotBefore(o.store, claims.sub, o.now);
    const csrfValue = o.csrf?.header === undefined ? undefined : newTokenId();
    // auth_time (OIDC Core §2) keeps the login time through renewals.
    const session = { auth_time: Math.floor(o.now() / 1000), ...claims, ...(csrfValue === undefined ? {} : { csrf: csrfValue }) };
    // sid names the login: renewed and refreshed tokens keep it, and sign-out revokes them all at once.
    const sid = o.store === undefined ? undefined : newTokenId();
    const token = await sign({ ...session, ...(sid === undefined ? {} : { sid }) }, overrides);
    const cookies = sessionCookies(token, csrfValue, hint);
    if (o.refresh !== undefined) cookies.push(await refreshCookie({ ...session, sid } as C, o.refresh.expiresIn, hint));
    return { token, cookies };
  }

  async function endSession(req: RequestLike, options: EndSessionOptions = {}): Promise<readonly string[]> {
    const cookie = cookieConfig();
    if (o.store !== undefined) {
      // Only a verified session is revoked: a forged token must not revoke someone else's jti.
      // A store outage must not pass for a sign-out that revoked something.
      const claims =
        options.claims ??
        (await authenticate(req).catch((err: unknown) => {
          if (isAuthError(err) && err.code === 'ERR_STORE_UNAVAILABLE') throw err;
          return null;
        }))?.claims;
      if (claims !== undefined) {
        if (typeof claims.jti === 'string') await revoke(claims);
        if (typeof claims.sid === 'string' && typeof claims.exp === 'number') {
          const store = o.store;
          const until = o.now() / 1000 + longestLifetime;
          const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
          await storeWrite(() => store.revoke(`sid:${claims.sid as string}`, until, sub));
        }
        if (options.everywhere && typeof claims.sub === 'string') await revokeSubject(claims.sub);
      }
    }
    const cookies = [clearCookieHeader(cookie, options)];
    if (o.csrf?.header !== undefined) cookies.push(csrfCookieHeader(cookie, o.csrf.cookie, undefined, undefined, options));
    if (o.refresh !== undefined) cookies.push(clearCookieHeader(o.refresh.cookie, options));
    return cookies;
  }

  return { revoke, revokeSubject, startSession, endSession, renew, refresh };
}

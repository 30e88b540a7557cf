import { checkClaims, type Claims } from './claims.js';
import { clearCookieHeader, sessionCookieHeader, type SecureHint } from './cookie.js';
import type { Duration } from './duration.js';
import { AuthError, withRealm } from './errors.js';
import { decodeJsonObject, encodeSegment, newTokenId, parseCompact, signCompact, verifySignature } from './jws.js';
import { MANAGED_CLAIMS, REFRESH_TYP, buildPayload } from './payload.js';
import type { BoundKey, PublicJwk } from './keys/provider.js';
import { resolveOptions, typKey, type AuthOptions } from './options.js';
import { checkCsrf, isUnsafe, type MethodRequestLike } from './csrf.js';
import { cookieToken, extractToken, type RequestLike } from './request.js';
import { cameFromCookie, checkStore, csrfCookieHeader, storeWrite, waitOutNotBefore } from './session.js';

/** Per-token changes to what `issue` sets. */
export interface IssueOverrides {
  readonly expiresIn?: Duration;
  readonly subject?: string;
  readonly audience?: string | readonly string[];
  /** The token is valid only this long after issue. */
  readonly notBefore?: Duration;
  readonly jwtid?: string;
  /** Sign with the provider's key of this `kid`. */
  readonly kid?: string;
}

/** A request that carried a valid token. */
export interface Authenticated<U = Claims, C extends Claims = Claims> {
  readonly user: U;
  readonly claims: C;
  readonly token: string;
}

/** A public JWK Set (RFC 7517 §5). */
export interface JwkSet {
  readonly keys: readonly PublicJwk[];
}

/** A started session: the token and the `Set-Cookie` values that carry it. */
export interface StartedSession {
  readonly token: string;
  readonly cookies: readonly string[];
}

/** What `signOut` takes. */
export interface SignOutOptions {
  /** Also refuse every other token of the same subject ("log out everywhere"). */
  readonly everywhere?: boolean;
}

export interface EndSessionOptions extends SecureHint, SignOutOptions {
  /** The session's claims when already verified (`req.auth.claims`); otherwise the request is authenticated. */
  readonly claims?: Claims | undefined;
}

/** Issues and verifies tokens with one set of options. */
export interface Auth<U = Claims, C extends Claims = Claims> {
  /** Signs `claims`, adding `iat`, `exp`, `iss`, `aud` and a random `jti`. */
  issue(claims: C, overrides?: IssueOverrides): Promise<string>;
  /** The token's claims; rejects with an `AuthError` when any check fails. */
  verify(token: string): Promise<C>;
  /** `null` when the request carries no token; rejects with an `AuthError` when it carries a bad one. */
  authenticate(req: RequestLike): Promise<Authenticated<U, C> | null>;
  /** A `Set-Cookie` value holding `token`, living as long as the token. */
  sessionCookie(token: string, hint?: SecureHint): string;
  /** A `Set-Cookie` value that removes the session cookie. */
  clearCookie(hint?: SecureHint): string;
  /** The public JWK Set of every RSA key the provider holds. */
  jwks(): JwkSet;
  /** Refuses this token from now until it expires (needs a store). */
  revoke(claims: Claims): Promise<void>;
  /** Refuses every token of `sub` issued before now: "log out everywhere" (needs a store). */
  revokeSubject(sub: string): Promise<void>;
  /** Issues a token for `claims` and the `Set-Cookie` values of the session (and of its CSRF value). */
  startSession(claims: C, overrides?: IssueOverrides, hint?: SecureHint): Promise<StartedSession>;
  /** Exchanges the request's refresh cookie for a new access token and a new refresh token. */
  refresh(req: RequestLike, hint?: SecureHint): Promise<StartedSession>;
  /** A fresh session for a cookie token past `renew.after` of its lifetime (sliding sessions), else `undefined`. */
  renew(req: RequestLike, claims: C, hint?: SecureHint): Promise<StartedSession | undefined>;
  /** Revokes the request's session (when there is one and a store) and returns the `Set-Cookie` values that clear it. */
  endSession(req: RequestLike, options?: EndSessionOptions): Promise<readonly string[]>;
  /** The realm named in `WWW-Authenticate` challenges. */
  readonly realm: string;
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

function headerSegmentCache(typ: string): (key: BoundKey) => string {
  const cache = new Map<string, string>();
  return (key) => {
    const id = `${key.alg}:${key.kid ?? ''}`;
    let segment = cache.get(id);
    if (segment === undefined) {
      segment = encodeSegment({ alg: key.alg, typ, ...(key.kid === undefined ? {} : { kid: key.kid }) });
      cache.set(id, segment);
    }
    return segment;
  };
}

/** Resolves `options` once and returns the issuer/verifier built on them. */
export function createAuth<U = Claims, C extends Claims = Claims>(options: AuthOptions<U, C>): Auth<U, C> {
  const o = resolveOptions(options);
  const { provider, realm } = o;
  const headerSegment = headerSegmentCache(o.typ);
  const refreshHeaderSegment = headerSegmentCache(REFRESH_TYP);

  async function verifyToken(token: unknown, expectedTyp: string = o.typKey): Promise<C> {
    const jws = parseCompact(token, o.maxTokenBytes);
    const alg = jws.header.alg;
    // The provider's list decides: 'none', 'hs256' or an RS token at an HS key never reach crypto.
    if (!(provider.algorithms as readonly string[]).includes(alg)) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    const key = await provider.verifyKey(jws.header);
    if (key === undefined) throw new AuthError('ERR_KEY_NOT_FOUND');
    if (key.alg !== alg) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    if (!verifySignature(key.alg, key.key, jws)) throw new AuthError('ERR_SIGNATURE_INVALID');
    const typ = jws.header.typ;
    // A refresh token never passes for an access token, nor the other way round: the typ tells them apart.
    if ((typ === undefined ? undefined : typKey(typ)) !== expectedTyp && !(typ === undefined && expectedTyp === o.typKey)) {
      throw new AuthError('ERR_CLAIM_INVALID', { claim: 'typ' });
    }
    // Unrounded: a token is expired from the very instant of its `exp` (RFC 7519 §4.1.4).
    const claims = checkClaims(decodeJsonObject(jws.payloadSegment), o.rules, o.now() / 1000) as C;
    if (o.isRevoked !== undefined && (await o.isRevoked(claims))) throw new AuthError('ERR_TOKEN_REVOKED');
    if (o.store !== undefined) await checkStore(o.store, o.failOpen, claims);
    return claims;
  }

  function storeOrThrow(): NonNullable<typeof o.store> {
    if (o.store === undefined) throw new TypeError('jwt-gate: revocation needs a store (store: false is set)');
    return o.store;
  }

  // The longest a token issued now may live: how long a subject's not-before must be kept.
  const longestLifetime = Math.max(o.expiresIn, o.rules.maxTokenAge ?? 0) + o.rules.clockTolerance;

  async function revoke(claims: Claims): Promise<void> {
    const store = storeOrThrow();
    if (typeof claims.jti !== 'string') throw new TypeError('jwt-gate: only a token with a jti can be revoked');
    const until = typeof claims.exp === 'number' ? claims.exp + o.rules.clockTolerance : o.now() / 1000 + longestLifetime;
    await storeWrite(() => store.revoke(`jti:${claims.jti as string}`, until));
  }

  async function revokeSubject(sub: string): Promise<void> {
    const store = storeOrThrow();
    if (typeof sub !== 'string' || sub === '') throw new TypeError('jwt-gate: revokeSubject needs a subject');
    const now = o.now() / 1000;
    // Not rounded: with whole-second iat, every token of this second is refused too (see startSession).
    await storeWrite(() => store.revokeSubject(sub, now, now + longestLifetime));
  }

  function cookieConfig(): NonNullable<typeof o.cookie> {
    if (o.cookie === undefined) throw new TypeError('jwt-gate: cookies are turned off (cookie: false)');
    return o.cookie;
  }

  async function sign(claims: C, overrides: IssueOverrides = {}, refreshToken = false): Promise<string> {
    const payload = buildPayload(o, claims, overrides);
    const key = provider.signingKey?.(overrides.kid);
    if (key === undefined) {
      throw new TypeError(overrides.kid === undefined ? 'jwt-gate: this key provider cannot sign (no private key or secret)' : `jwt-gate: no signing key with kid "${overrides.kid}"`);
    }
    const token = await signCompact(key.alg, key.key, (refreshToken ? refreshHeaderSegment : headerSegment)(key), payload);
    if (token.length > o.maxTokenBytes) throw new RangeError(`jwt-gate: the token is ${token.length} bytes, over maxTokenBytes`);
    return token;
  }

  async function authenticate(req: RequestLike): Promise<Authenticated<U, C> | null> {
    try {
      const token = o.getToken ? await o.getToken(req) : extractToken(req, o.sources);
      if (token === undefined || token === null || token === '') return null;
      const claims = await verifyToken(token);
      // A cookie rides along on any request the browser makes; a Bearer header never does.
      if (o.csrf !== undefined && !o.getToken && isUnsafe(req as MethodRequestLike) && cameFromCookie(req, o.sources.bearer)) {
        checkCsrf(req as MethodRequestLike, claims, o.csrf);
      }
      const user = o.user ? await o.user(claims) : (claims as unknown as U);
      return { user, claims, token };
    } catch (err) {
      throw withRealm(err, realm);
    }
  }

  // Our own freshly issued token: its `exp` sets the cookies' lifetime.
  function lifetimeOf(token: string): number | undefined {
    const { exp } = decodeJsonObject(parseCompact(token, o.maxTokenBytes).payloadSegment);
    return typeof exp === 'number' ? exp - Math.floor(o.now() / 1000) : undefined;
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
      if (typeof jti !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') throw new AuthError('ERR_CLAIM_INVALID', { claim: 'sid' });
      let first = false;
      await storeWrite(async () => {
        first = await store.useOnce(`rt:${jti}`, exp);
        // A second use means two holders: end the whole login, the thief's and the user's.
        if (!first) await store.revoke(`sid:${sid}`, exp);
      });
      if (!first) throw new AuthError('ERR_TOKEN_REVOKED');
      const kept: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
      const access = await sign(kept as C);
      const cookies = sessionCookies(access, claims.csrf, hint);
      // The login keeps its end: a rotated refresh token expires when the first one would have.
      cookies.push(await refreshCookie(kept as C, exp - Math.floor(o.now() / 1000), hint));
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
    const loggedIn = typeof claims.auth_time === 'number' ? claims.auth_time : iat;
    // The last renewal ends at login + maxAge, never later.
    const lifetime = Math.min(o.expiresIn, Math.floor(loggedIn + rules.maxAge - now));
    // Nothing to gain once the new token would end no later than this one.
    if (lifetime <= 0 || Math.floor(now) + lifetime <= exp) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
    const token = await sign(kept as C, { expiresIn: lifetime });
    return { token, cookies: sessionCookies(token, claims.csrf, hint) };
  }

  return Object.freeze({
    realm,
    cookieName: o.cookie?.name,
    issue: (claims: C, overrides?: IssueOverrides): Promise<string> => sign(claims, overrides),
    authenticate,
    renew,
    refresh,

    async verify(token: string): Promise<C> {
      try {
        return await verifyToken(token);
      } catch (err) {
        throw withRealm(err, realm);
      }
    },

    sessionCookie(token: string, hint?: SecureHint): string {
      return sessionCookieHeader(cookieConfig(), token, lifetimeOf(token), hint);
    },

    clearCookie(hint?: SecureHint): string {
      return clearCookieHeader(cookieConfig(), hint);
    },

    jwks(): JwkSet {
      return { keys: [...(provider.publicJwks?.() ?? [])] };
    },

    revoke,
    revokeSubject,

    async startSession(claims: C, overrides: IssueOverrides = {}, hint?: SecureHint): Promise<StartedSession> {
      cookieConfig();
      if (o.store !== undefined && typeof claims.sub === 'string') await waitOutNotBefore(o.store, claims.sub, o.now);
      const csrfValue = o.csrf?.header === undefined ? undefined : newTokenId();
      // auth_time (OIDC Core §2) keeps the login time through renewals.
      const session = { auth_time: Math.floor(o.now() / 1000), ...claims, ...(csrfValue === undefined ? {} : { csrf: csrfValue }) };
      const sid = o.refresh === undefined ? undefined : newTokenId();
      const token = await sign({ ...session, ...(sid === undefined ? {} : { sid }) }, overrides);
      const cookies = sessionCookies(token, csrfValue, hint);
      if (sid !== undefined) cookies.push(await refreshCookie({ ...session, sid } as C, o.refresh?.expiresIn ?? 0, hint));
      return { token, cookies };
    },

    async endSession(req: RequestLike, options: EndSessionOptions = {}): Promise<readonly string[]> {
      const cookie = cookieConfig();
      if (o.store !== undefined) {
        // Only a verified session is revoked: a forged token must not revoke someone else's jti.
        const claims = options.claims ?? (await authenticate(req).catch(() => null))?.claims;
        if (claims !== undefined) {
          if (typeof claims.jti === 'string') await revoke(claims);
          if (typeof claims.sid === 'string' && typeof claims.exp === 'number') {
            const store = o.store;
            const until = claims.exp + (o.refresh?.expiresIn ?? 0);
            await storeWrite(() => store.revoke(`sid:${claims.sid as string}`, until));
          }
          if (options.everywhere && typeof claims.sub === 'string') await revokeSubject(claims.sub);
        }
      }
      const cookies = [clearCookieHeader(cookie, options)];
      if (o.csrf?.header !== undefined) cookies.push(csrfCookieHeader(cookie, o.csrf.cookie, undefined, undefined, options));
      if (o.refresh !== undefined) cookies.push(clearCookieHeader(o.refresh.cookie, options));
      return cookies;
    },
  });
}

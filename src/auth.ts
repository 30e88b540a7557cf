import { checkClaims, type Claims } from './claims.js';
import { clearCookieHeader, sessionCookieHeader, type SecureHint } from './cookie.js';
import type { Duration } from './duration.js';
import { AuthError, withRealm } from './errors.js';
import { decodeJsonObject, encodeSegment, parseCompact, signCompact, verifySignature } from './jws.js';
import { createLifecycle } from './lifecycle.js';
import { REFRESH_TYP, buildPayload } from './payload.js';
import type { BoundKey, PublicJwk } from './keys/provider.js';
import { resolveOptions, typKey, type AuthOptions } from './options.js';
import { checkCsrf, isUnsafe, type MethodRequestLike } from './csrf.js';
import { extractToken, type RequestLike } from './request.js';
import { cameFromCookie, checkStore } from './session.js';

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

  const lifecycle = createLifecycle(o, { sign, verifyToken, authenticate, cookieConfig, lifetimeOf });

  return Object.freeze({
    realm,
    cookieName: o.cookie?.name,
    issue: (claims: C, overrides?: IssueOverrides): Promise<string> => sign(claims, overrides),
    authenticate,
    ...lifecycle,

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

  });
}

import { checkClaims, type Claims } from './claims.js';
import { clearCookieHeader, sessionCookieHeader, type SecureHint } from './cookie.js';
import { toSeconds, type Duration } from './duration.js';
import { AuthError, withRealm } from './errors.js';
import { decodeJsonObject, encodeSegment, newTokenId, parseCompact, signCompact, verifySignature } from './jws.js';
import type { BoundKey, PublicJwk } from './keys/provider.js';
import { checkKnownKeys } from './known-keys.js';
import { resolveOptions, typKey, type AuthOptions, type ResolvedOptions } from './options.js';
import { extractToken, type RequestLike } from './request.js';

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
  /** The realm named in `WWW-Authenticate` challenges. */
  readonly realm: string;
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

// Set by `issue` itself; a caller who sets them means an override.
const MANAGED_CLAIMS = ['iat', 'exp', 'nbf', 'jti', 'iss', 'aud'] as const;
const OVERRIDES = ['expiresIn', 'subject', 'audience', 'notBefore', 'jwtid', 'kid'] as const;

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

function buildPayload<U, C extends Claims>(o: ResolvedOptions<U, C>, claims: C, over: IssueOverrides): Claims {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new TypeError('jwt-gate: claims must be an object');
  for (const name of MANAGED_CLAIMS) {
    if (Object.hasOwn(claims, name)) throw new TypeError(`jwt-gate: claim "${name}" is set from options; use the issue overrides`);
  }
  checkKnownKeys(over, OVERRIDES, 'issue');
  const subject = over.subject ?? o.subject;
  if (subject !== undefined && claims.sub !== undefined && claims.sub !== subject) {
    throw new TypeError('jwt-gate: claims.sub differs from the subject option');
  }
  const iat = Math.floor(o.now() / 1000);
  const lifetime = over.expiresIn === undefined ? o.expiresIn : toSeconds(over.expiresIn, 'expiresIn');
  const delay = over.notBefore === undefined ? undefined : toSeconds(over.notBefore, 'notBefore');
  // Refuse what our own verify would always refuse, where the mistake is made.
  if (lifetime === 0 || (delay !== undefined && delay >= lifetime)) throw new TypeError('jwt-gate: the token would never be valid');
  if (subject !== undefined && typeof subject !== 'string') throw new TypeError('jwt-gate: "subject" must be a string');
  if (claims.sub !== undefined && typeof claims.sub !== 'string') throw new TypeError('jwt-gate: claim "sub" must be a string');
  if (over.jwtid !== undefined && typeof over.jwtid !== 'string') throw new TypeError('jwt-gate: "jwtid" must be a string');
  const audience = over.audience ?? o.audience;
  return {
    ...claims,
    ...(subject === undefined ? {} : { sub: subject }),
    ...(o.issuer === undefined ? {} : { iss: o.issuer }),
    ...(audience === undefined ? {} : { aud: typeof audience === 'string' ? audience : [...audience] }),
    iat,
    ...(delay === undefined ? {} : { nbf: iat + delay }),
    exp: iat + lifetime,
    jti: over.jwtid ?? newTokenId(),
  };
}

/** Resolves `options` once and returns the issuer/verifier built on them. */
export function createAuth<U = Claims, C extends Claims = Claims>(options: AuthOptions<U, C>): Auth<U, C> {
  const o = resolveOptions(options);
  const { provider, realm } = o;
  const headerSegment = headerSegmentCache(o.typ);

  async function verifyToken(token: unknown): Promise<C> {
    const jws = parseCompact(token, o.maxTokenBytes);
    const alg = jws.header.alg;
    // The provider's list decides: 'none', 'hs256' or an RS token at an HS key never reach crypto.
    if (!(provider.algorithms as readonly string[]).includes(alg)) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    const key = await provider.verifyKey(jws.header);
    if (key === undefined) throw new AuthError('ERR_KEY_NOT_FOUND');
    if (key.alg !== alg) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    if (!verifySignature(key.alg, key.key, jws)) throw new AuthError('ERR_SIGNATURE_INVALID');
    const typ = jws.header.typ;
    if (typ !== undefined && typKey(typ) !== o.typKey) throw new AuthError('ERR_CLAIM_INVALID', { claim: 'typ' });
    // Unrounded: a token is expired from the very instant of its `exp` (RFC 7519 §4.1.4).
    const claims = checkClaims(decodeJsonObject(jws.payloadSegment), o.rules, o.now() / 1000) as C;
    if (o.isRevoked !== undefined && (await o.isRevoked(claims))) throw new AuthError('ERR_TOKEN_REVOKED');
    return claims;
  }

  function cookieConfig(): NonNullable<typeof o.cookie> {
    if (o.cookie === undefined) throw new TypeError('jwt-gate: cookies are turned off (cookie: false)');
    return o.cookie;
  }

  return Object.freeze({
    realm,
    cookieName: o.cookie?.name,

    async issue(claims: C, overrides: IssueOverrides = {}): Promise<string> {
      const payload = buildPayload(o, claims, overrides);
      const key = provider.signingKey?.(overrides.kid);
      if (key === undefined) {
        throw new TypeError(overrides.kid === undefined ? 'jwt-gate: this key provider cannot sign (no private key or secret)' : `jwt-gate: no signing key with kid "${overrides.kid}"`);
      }
      const token = await signCompact(key.alg, key.key, headerSegment(key), payload);
      if (token.length > o.maxTokenBytes) throw new RangeError(`jwt-gate: the token is ${token.length} bytes, over maxTokenBytes`);
      return token;
    },

    async verify(token: string): Promise<C> {
      try {
        return await verifyToken(token);
      } catch (err) {
        throw withRealm(err, realm);
      }
    },

    async authenticate(req: RequestLike): Promise<Authenticated<U, C> | null> {
      try {
        const token = o.getToken ? await o.getToken(req) : extractToken(req, o.sources);
        if (token === undefined || token === null || token === '') return null;
        const claims = await verifyToken(token);
        const user = o.user ? await o.user(claims) : (claims as unknown as U);
        return { user, claims, token };
      } catch (err) {
        throw withRealm(err, realm);
      }
    },

    sessionCookie(token: string, hint?: SecureHint): string {
      const cookie = cookieConfig();
      // Our own freshly issued token: its `exp` sets the cookie's lifetime.
      const { exp } = decodeJsonObject(parseCompact(token, o.maxTokenBytes).payloadSegment);
      const lifetime = typeof exp === 'number' ? exp - Math.floor(o.now() / 1000) : undefined;
      return sessionCookieHeader(cookie, token, lifetime, hint);
    },

    clearCookie(hint?: SecureHint): string {
      return clearCookieHeader(cookieConfig(), hint);
    },

    jwks(): JwkSet {
      return { keys: [...(provider.publicJwks?.() ?? [])] };
    },
  });
}

import { checkClaims, copyFlatClaims, type ClaimRules, type Claims } from '../jws/claims.js';
import { AuthError, isAuthError, refusedSubject } from '../errors.js';
import { acceptsAlg } from '../jws/jwa.js';
import {
  decodePayloadText,
  parseCompact,
  parseJsonObject,
  typKey,
  verifySignature,
  type CompactJws,
  type JwsHeader,
} from '../jws/jws.js';
import type { BoundKey } from '../keys/provider.js';
import { REFRESH_AUDIENCE } from './claims-to-sign.js';
import { checkStore, loginIssuerOf, type StoreCheck } from '../stores/store-check.js';
import { TokenCache } from './cache.js';
import type { VerifySettings } from './settings.js';
import { isPromiseLike } from '../promise.js';

/** What a verified token leaves in the cache: enough to check it again without its signature. */
interface Verified {
  readonly header: JwsHeader;
  /** The key that verified it: a hit counts only while the provider still answers with this key. */
  readonly key: BoundKey;
  /** A private copy of flat claims, copied again for each hit; otherwise the payload, parsed again. */
  readonly claims: Claims | undefined;
  readonly payload: string | undefined;
}

// The same key: the same bound object, or the same KeyObject for the same algorithm.
const sameKey = (a: BoundKey | undefined, b: BoundKey): boolean =>
  a === b || (a !== undefined && a.alg === b.alg && a.key === b.key);

/**
 * The whole verification of one token: shape, algorithm, key, signature, typ, claims, then
 * revocation and the store. Returns the claims, or a promise of them only when a key provider,
 * `isRevoked` or the store answers asynchronously; throws (or rejects with) an AuthError.
 */
export function createVerifier<C extends Claims>(
  o: VerifySettings<C>,
  fromStore = false,
): (token: unknown, expectedTyp: string) => C | Promise<C> {
  const { provider } = o;
  const allowed = (alg: string): boolean => (provider.algorithms as readonly string[]).includes(alg);
  const cache = o.cache === undefined || fromStore ? undefined : new TokenCache<Verified>(o.cache);
  // Refresh tokens are addressed to the refresh endpoint alone, never to the app's audience.
  const refreshRules: ClaimRules = Object.freeze({ ...o.claimRules, audience: [REFRESH_AUDIENCE] });

  // Synchronous until a key, `isRevoked` or the store answers with a promise: awaiting a value
  // that is already there costs a trip through the microtask queue on every request.
  function verifyToken(token: unknown, expectedTyp: string): C | Promise<C> {
    // Refresh tokens are used once: only access tokens are worth remembering.
    if (cache === undefined || typeof token !== 'string' || expectedTyp !== o.typKey)
      return checkSigned(token, expectedTyp);
    const now = o.now() / 1000;
    const hit = cache.get(token, now);
    // The provider's list decides on a hit too: an algorithm it no longer allows is refused as on a miss.
    if (hit === undefined || !allowed(hit.header.alg)) return checkSigned(token, expectedTyp);
    // A rotated or withdrawn key ends the entry: the provider must still answer with the same key.
    const found = provider.verifyKey(hit.header, o.emit);
    if (isPromiseLike(found)) return keyLater(found).then((key) => checkHit(token, hit, key, o.now() / 1000));
    return checkHit(token, hit, found, now);
  }

  function checkHit(token: string, hit: Verified, key: BoundKey | undefined, now: number): C | Promise<C> {
    const same =
      sameKey(key, hit.key) ||
      (provider.fallbackKeys?.(hit.header).some((fallback) => sameKey(fallback, hit.key)) ?? false);
    return same ? checkState(checkCached(hit, now)) : checkSigned(token, o.typKey);
  }

  function checkSigned(token: unknown, expectedTyp: string): C | Promise<C> {
    const jws = parseCompact(token, o.maxTokenBytes);
    // The provider's list decides: 'none', 'hs256' or an RS token at an HS key never reach crypto.
    if (!allowed(jws.header.alg)) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    const found = provider.verifyKey(jws.header, o.emit);
    return isPromiseLike(found)
      ? keyLater(found).then((key) => checkJws(token as string, jws, key, expectedTyp))
      : checkJws(token as string, jws, found, expectedTyp);
  }

  // A remote key set answers later; whether it could answer at all is an outage to report.
  function keyLater(found: PromiseLike<BoundKey | undefined>): Promise<BoundKey | undefined> {
    const pending = Promise.resolve(found);
    const outage = o.keysOutage;
    if (outage === undefined) return pending;
    return pending.then(
      (key) => {
        outage.answered();
        return key;
      },
      (err: unknown) => {
        if (isAuthError(err) && err.code === 'ERR_KEYS_UNAVAILABLE') outage.failed(err.cause ?? err);
        throw err;
      },
    );
  }

  // The key's own algorithm decides, whatever else the provider lists: an RS256 token never meets an EC key.
  function refusalBy(key: BoundKey, jws: CompactJws): AuthError | undefined {
    if (!acceptsAlg(key.alg, jws.header.alg)) return new AuthError('ERR_ALG_NOT_ALLOWED');
    return verifySignature(key.alg, key.key, jws) ? undefined : new AuthError('ERR_SIGNATURE_INVALID');
  }

  function checkJws(
    token: string,
    jws: CompactJws,
    found: BoundKey | undefined,
    expectedTyp: string,
  ): C | Promise<C> {
    if (found === undefined) throw new AuthError('ERR_KEY_NOT_FOUND');
    let key = found;
    const refused = refusalBy(key, jws);
    if (refused !== undefined) {
      // Only the legacy keys the app listed, in its order, for a token that names no key.
      let again: AuthError | undefined = refused;
      for (const fallback of provider.fallbackKeys?.(jws.header) ?? []) {
        const refusal = refusalBy(fallback, jws);
        if (refusal === undefined) {
          again = undefined;
          key = fallback;
          break;
        }
        if (refusal.code !== 'ERR_ALG_NOT_ALLOWED') again = refusal;
      }
      // The refusal of a key the token's algorithm was meant for says most.
      if (again !== undefined) throw again;
    }
    const typ = jws.header.typ;
    // A refresh token never passes for an access token, nor the other way round: the typ tells them apart.
    const tokenTyp = typ === undefined ? undefined : typ === o.typ ? o.typKey : typKey(typ);
    if (tokenTyp !== expectedTyp && !(typ === undefined && expectedTyp === o.typKey)) {
      throw new AuthError('ERR_CLAIM_INVALID', { claim: 'typ' });
    }
    const payload = decodePayloadText(jws);
    const now = o.now() / 1000;
    // Unrounded: a token is expired from the very instant of its `exp` (RFC 7519 §4.1.4).
    const parsed = parseJsonObject(payload);
    let claims: C;
    try {
      claims = checkClaims(parsed, expectedTyp === o.typKey ? o.claimRules : refreshRules, now) as C;
    } catch (err) {
      // The signature held: the subject it names is the token's own, for the refusal event.
      throw refusedSubject(err, parsed);
    }
    if (cache !== undefined && expectedTyp === o.typKey && typeof claims.exp === 'number') {
      // Never kept past exp; checkCached checks every claim against the clock again on each hit.
      const notBefore = typeof claims.nbf === 'number' ? claims.nbf - o.claimRules.clockTolerance : undefined;
      const kept = copyFlatClaims(claims);
      // The token's own copy: a slice of a long Cookie or Authorization header would keep the whole
      // header alive as long as the entry. parseCompact let only ASCII through, so latin1 is exact.
      const own = Buffer.from(token, 'latin1').toString('latin1');
      cache.set(
        own,
        { header: jws.header, key, claims: kept, payload: kept === undefined ? payload : undefined },
        { expires: claims.exp, notBefore },
        now,
      );
    }
    return checkState(claims);
  }

  // Every claim against the rules and the clock, on an object of the caller's own: a hit gives
  // what a miss would have given.
  function checkCached(hit: Verified, now: number): C {
    const claims =
      (hit.claims === undefined ? undefined : copyFlatClaims(hit.claims)) ??
      parseJsonObject(hit.payload as string);
    try {
      return checkClaims(claims, o.claimRules, now) as C;
    } catch (err) {
      throw refusedSubject(err, claims);
    }
  }

  const storeCheck: StoreCheck = {
    failOpen: o.failOpen,
    consistent: fromStore,
    outage: o.storeOutage,
    loginIssuer: loginIssuerOf(o.provider.signingKey?.() !== undefined, o.claimRules.issuer),
  };

  // The checks that ask the app or the store: on every verification, cached or not. Synchronous
  // while they answer at once (no isRevoked, a memory store or a near cache).
  function checkState(claims: C): C | Promise<C> {
    if (o.isRevoked !== undefined) return askState(claims);
    if (o.store === undefined) return claims;
    let checked: void | Promise<void>;
    try {
      checked = checkStore(o.store, claims, storeCheck);
    } catch (err) {
      throw refusedSubject(err, claims);
    }
    return checked === undefined
      ? claims
      : checked.then(
          () => claims,
          (err: unknown) => {
            throw refusedSubject(err, claims);
          },
        );
  }

  async function askState(claims: C): Promise<C> {
    try {
      if (o.isRevoked !== undefined && (await o.isRevoked(claims))) throw new AuthError('ERR_TOKEN_REVOKED');
      if (o.store !== undefined) await checkStore(o.store, claims, storeCheck);
      return claims;
    } catch (err) {
      throw refusedSubject(err, claims);
    }
  }

  return verifyToken;
}

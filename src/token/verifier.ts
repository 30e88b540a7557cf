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
import { checkedKey, checkedKeys, type BoundKey, type CheckedKey } from '../keys/provider.js';
import { REFRESH_AUDIENCE } from './claims-to-sign.js';
import { TokenCache } from './cache.js';
import { createRevocationCheck } from './revocation-check.js';
import type { VerifySettings } from './settings.js';
import { routeByIssuer, type RoutedPayload, type Trust } from './trust.js';
import { isPromiseLike } from '../promise.js';

/** What a verified token leaves in the cache: enough to check it again without its signature. */
interface Verified {
  readonly header: JwsHeader;
  /** Whose keys and rules verified it: a hit is checked again under the same ones. */
  readonly trust: Trust;
  /** The key that verified it: a hit counts only while the provider still answers with this key. */
  readonly key: BoundKey;
  /** A private copy of flat claims, copied again for each hit; otherwise the payload, parsed again. */
  readonly claims: Claims | undefined;
  readonly payload: string | undefined;
}

// The same key: the same bound object, or the same KeyObject for the same algorithm.
const sameKey = (a: BoundKey | undefined, b: BoundKey): boolean =>
  a === b || (a !== undefined && a.alg === b.alg && a.key === b.key);

// Asked of the provider on each token (it may stop allowing an algorithm), then of the entry's narrower list.
const allowed = ({ provider, algorithms }: Trust, alg: string): boolean =>
  (provider.algorithms as readonly string[]).includes(alg) && (algorithms?.includes(alg) ?? true);

/**
 * The whole verification of one token: shape, issuer (with several), algorithm, key, signature, typ,
 * claims, then revocation and the store. Returns the claims, or a promise of them only when a key
 * provider, `isRevoked` or the store answers asynchronously; throws (or rejects with) an AuthError.
 */
export function createVerifier<C extends Claims>(
  o: VerifySettings<C>,
  fromStore = false,
): (token: unknown, expectedTyp: string) => C | Promise<C> {
  const own: Trust = Object.freeze({
    issuer: o.claimRules.issuer,
    provider: o.provider,
    algorithms: undefined,
    claimRules: o.claimRules,
    typ: o.typ,
    typKey: o.typKey,
    own: true,
    keysOutage: o.keysOutage,
    report: o.emit,
  });
  const others = o.otherIssuers;
  const cache = o.cache === undefined || fromStore ? undefined : new TokenCache<Verified>(o.cache);
  // Refresh tokens are addressed to the refresh endpoint alone, never to the app's audience.
  const refreshRules: ClaimRules = Object.freeze({ ...o.claimRules, audience: [REFRESH_AUDIENCE] });
  // After the signature and the claims, the app's and the store's word: on a cache hit too.
  const checkState = createRevocationCheck(o, fromStore);

  // Synchronous until a key, `isRevoked` or the store answers with a promise: awaiting a value
  // that is already there costs a trip through the microtask queue on every request.
  function verifyToken(token: unknown, expectedTyp: string): C | Promise<C> {
    // Refresh tokens are used once: only access tokens are worth remembering.
    if (cache === undefined || typeof token !== 'string' || expectedTyp !== o.typKey)
      return checkSigned(token, expectedTyp);
    const now = o.now() / 1000;
    const hit = cache.get(token, now);
    // The provider's list decides on a hit too: an algorithm it no longer allows is refused as on a miss.
    if (hit === undefined || !allowed(hit.trust, hit.header.alg)) return checkSigned(token, expectedTyp);
    // A rotated or withdrawn key ends the entry: the provider must still answer with the same key.
    const found = hit.trust.provider.verifyKey(hit.header, hit.trust.report);
    if (isPromiseLike(found))
      return keyLater(hit.trust, found).then((key) => checkHit(token, hit, key, o.now() / 1000));
    return checkHit(token, hit, found, now);
  }

  function checkHit(token: string, hit: Verified, key: BoundKey | undefined, now: number): C | Promise<C> {
    const { provider } = hit.trust;
    const same =
      sameKey(key, hit.key) ||
      checkedKeys(provider.fallbackKeys?.(hit.header)).some((fallback) => sameKey(fallback.bound, hit.key));
    return same ? checkState(checkCached(hit, now), hit.trust) : checkSigned(token, o.typKey);
  }

  function checkSigned(token: unknown, expectedTyp: string): C | Promise<C> {
    const jws = parseCompact(token, o.maxTokenBytes);
    // With several issuers, the iss an access token claims picks whose keys and rules apply; a refresh
    // token is only ever the app's own.
    const route =
      others !== undefined && expectedTyp === o.typKey ? routeByIssuer(jws, own, others) : undefined;
    const trust = route?.trust ?? own;
    // The provider's list decides: 'none', 'hs256' or an RS token at an HS key never reach crypto.
    if (!allowed(trust, jws.header.alg)) throw new AuthError('ERR_ALG_NOT_ALLOWED');
    const found = trust.provider.verifyKey(jws.header, trust.report);
    return isPromiseLike(found)
      ? keyLater(trust, found).then((key) =>
          checkJws(token as string, jws, key, expectedTyp, trust, route?.payload),
        )
      : checkJws(token as string, jws, found, expectedTyp, trust, route?.payload);
  }

  // A remote key set answers later; whether it could answer at all is an outage to report.
  function keyLater(trust: Trust, found: PromiseLike<BoundKey | undefined>): Promise<BoundKey | undefined> {
    const pending = Promise.resolve(found);
    const outage = trust.keysOutage;
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
  function refusalBy({ alg, key }: CheckedKey, jws: CompactJws): AuthError | undefined {
    if (!acceptsAlg(alg, jws.header.alg)) return new AuthError('ERR_ALG_NOT_ALLOWED');
    return verifySignature(alg, key, jws) ? undefined : new AuthError('ERR_SIGNATURE_INVALID');
  }

  function checkJws(
    token: string,
    jws: CompactJws,
    answer: unknown,
    expectedTyp: string,
    trust: Trust,
    routed: RoutedPayload | undefined,
  ): C | Promise<C> {
    const found = checkedKey(answer, 'verifyKey');
    if (found === undefined) throw new AuthError('ERR_KEY_NOT_FOUND');
    let key = found.bound;
    const refused = refusalBy(found, jws);
    if (refused !== undefined) {
      // Only the legacy keys the app listed, in its order, for a token that names no key.
      let again: AuthError | undefined = refused;
      for (const fallback of checkedKeys(trust.provider.fallbackKeys?.(jws.header))) {
        const refusal = refusalBy(fallback, jws);
        if (refusal === undefined) {
          again = undefined;
          key = fallback.bound;
          break;
        }
        if (refusal.code !== 'ERR_ALG_NOT_ALLOWED') again = refusal;
      }
      // The refusal of a key the token's algorithm was meant for says most.
      if (again !== undefined) throw again;
    }
    const access = expectedTyp === o.typKey;
    const typ = jws.header.typ;
    // A refresh token never passes for an access token, nor the other way round: the typ tells them apart.
    const tokenTyp = typ === undefined ? undefined : typ === trust.typ ? trust.typKey : typKey(typ);
    if (tokenTyp !== (access ? trust.typKey : expectedTyp) && !(typ === undefined && access)) {
      throw new AuthError('ERR_CLAIM_INVALID', { claim: 'typ' });
    }
    const payload = routed?.text ?? decodePayloadText(jws);
    const now = o.now() / 1000;
    // Unrounded: a token is expired from the very instant of its `exp` (RFC 7519 §4.1.4).
    const parsed = routed?.claims ?? parseJsonObject(payload);
    let claims: C;
    try {
      claims = checkClaims(parsed, access ? trust.claimRules : refreshRules, now) as C;
    } catch (err) {
      // The signature held: the subject it names is the token's own, for the refusal event.
      throw refusedSubject(err, parsed);
    }
    if (cache !== undefined && access && typeof claims.exp === 'number') {
      // Never kept past exp; checkCached checks every claim against the clock again on each hit.
      const tolerance = trust.claimRules.clockTolerance;
      const notBefore = typeof claims.nbf === 'number' ? claims.nbf - tolerance : undefined;
      const kept = copyFlatClaims(claims);
      // The token's own copy: a slice of a long Cookie or Authorization header would keep the whole
      // header alive as long as the entry. parseCompact let only ASCII through, so latin1 is exact.
      const copy = Buffer.from(token, 'latin1').toString('latin1');
      cache.set(
        copy,
        {
          header: jws.header,
          trust,
          key,
          claims: kept,
          payload: kept === undefined ? payload : undefined,
        },
        { expires: claims.exp, notBefore },
        now,
      );
    }
    return checkState(claims, trust);
  }

  // Every claim against the rules and the clock, on an object of the caller's own: a hit gives
  // what a miss would have given.
  function checkCached(hit: Verified, now: number): C {
    const claims =
      (hit.claims === undefined ? undefined : copyFlatClaims(hit.claims)) ??
      parseJsonObject(hit.payload as string);
    try {
      return checkClaims(claims, hit.trust.claimRules, now) as C;
    } catch (err) {
      throw refusedSubject(err, claims);
    }
  }

  return verifyToken;
}

import { checkedKey, type BoundKey } from '../keys/provider.js';
import type { Claims } from '../jws/claims.js';
import { REFRESH_AUDIENCE, REFRESH_TYP, buildPayload, type IssueOverrides } from './claims-to-sign.js';
import { decodeJsonObject, encodeSegment, parseCompact, signCompact } from '../jws/jws.js';
import type { TokenSettings } from './settings.js';
import { createVerifier } from './verifier.js';

/** Signing and verification under one set of options: what authentication and sessions share. */
export interface Tokens<C extends Claims> {
  /** Signs `claims` as an access token, or as a refresh token (its own `typ` and `aud`); rejects, never throws. */
  readonly sign: (claims: C, overrides?: IssueOverrides, refreshToken?: boolean) => Promise<string>;
  /**
   * The whole verification of a token of type `expectedTyp` (`typKey` of the `typ` option, or
   * REFRESH_TYP): the claims, or a promise of them only when a key provider, `isRevoked` or the
   * store answers asynchronously; throws (or rejects with) an AuthError.
   */
  readonly verifyToken: (token: unknown, expectedTyp: string) => C | Promise<C>;
  /**
   * `verifyToken` that asks the store itself, never a near cache (nor the token cache): for sign-out,
   * where a near cache refusing a revocation announced but never written must not pass for one Redis holds.
   */
  readonly verifyFromStore: (token: unknown, expectedTyp: string) => C | Promise<C>;
  /** Seconds left to our own freshly issued token: its `exp` sets the cookies' lifetime. */
  readonly lifetimeOf: (token: string) => number | undefined;
}

function headerSegmentCache(typ: string): (key: BoundKey) => string {
  const cache = new Map<string, string>();
  // Providers hand out the same bound key each time: remember the last one without building an id.
  let lastKey: BoundKey | undefined;
  let lastSegment = '';
  return (key) => {
    if (key === lastKey) return lastSegment;
    const id = `${key.alg}:${key.kid ?? ''}`;
    let segment = cache.get(id);
    if (segment === undefined) {
      segment = encodeSegment({ alg: key.alg, typ, ...(key.kid === undefined ? {} : { kid: key.kid }) });
      cache.set(id, segment);
    }
    lastKey = key;
    lastSegment = segment;
    return segment;
  };
}

export function createTokens<C extends Claims>(o: TokenSettings<C>): Tokens<C> {
  const headerSegment = headerSegmentCache(o.typ);
  const refreshHeaderSegment = headerSegmentCache(REFRESH_TYP);

  function fits(token: string): string {
    if (token.length > o.maxTokenBytes)
      throw new RangeError(`jwt-gate: the token is ${token.length} bytes, over maxTokenBytes`);
    return token;
  }

  // Not async: one promise per token, the one signCompact returns.
  function sign(claims: C, overrides?: IssueOverrides, refreshToken = false): Promise<string> {
    try {
      const payload = buildPayload(
        o,
        claims,
        refreshToken ? { ...overrides, audience: REFRESH_AUDIENCE } : overrides,
      );
      const kid = overrides?.kid;
      const key = checkedKey(o.provider.signingKey?.(kid), 'signingKey');
      if (key === undefined) {
        throw new TypeError(
          kid === undefined
            ? 'jwt-gate: this key provider cannot sign (no private key or secret)'
            : `jwt-gate: no signing key with kid "${kid}"`,
        );
      }
      return signCompact(
        key.alg,
        key.key,
        (refreshToken ? refreshHeaderSegment : headerSegment)(key.bound),
        payload,
      ).then(fits);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function lifetimeOf(token: string): number | undefined {
    const { exp } = decodeJsonObject(parseCompact(token, o.maxTokenBytes).payloadSegment);
    return typeof exp === 'number' ? exp - Math.floor(o.now() / 1000) : undefined;
  }

  return Object.freeze({
    sign,
    verifyToken: createVerifier(o),
    verifyFromStore: createVerifier(o, true),
    lifetimeOf,
  });
}

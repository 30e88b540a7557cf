import { KeyObject } from 'node:crypto';
import type { KeySkippedEvent } from '../events.js';
import { ALGORITHMS, isAlgorithm, verifiableAs, type Algorithm } from '../jws/jwa.js';
import type { JwsHeader } from '../jws/jws.js';
import { optionError, optionalString } from '../validate.js';

/** A value, or a promise of it: a key provider may answer at once or after a fetch. */
export type MaybePromise<T> = T | Promise<T>;

/** A key bound to the one algorithm it may be used with (for Ed25519, under either of its names). */
export interface BoundKey {
  readonly alg: Algorithm;
  readonly key: KeyObject;
  readonly kid?: string | undefined;
}

/** A public key as published in a JWK Set (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2). */
export type PublicJwk =
  | {
      readonly kty: 'RSA';
      readonly n: string;
      readonly e: string;
      readonly alg: 'RS256' | 'PS256' | 'RS384' | 'RS512';
      readonly use: 'sig';
      readonly kid?: string;
    }
  | {
      readonly kty: 'EC';
      readonly crv: 'P-256';
      readonly x: string;
      readonly y: string;
      readonly alg: 'ES256';
      readonly use: 'sig';
      readonly kid?: string;
    }
  | {
      readonly kty: 'OKP';
      readonly crv: 'Ed25519';
      readonly x: string;
      readonly alg: 'EdDSA' | 'Ed25519';
      readonly use: 'sig';
      readonly kid?: string;
    };

/**
 * Where keys come from. The provider, not the token, decides the algorithm: a token whose
 * `alg` is not in `algorithms` is refused before any crypto runs.
 */
export interface KeyProvider {
  /** The algorithms this provider can verify. */
  readonly algorithms: readonly Algorithm[];
  /**
   * The key for a token's header, or `undefined` when none matches (`ERR_KEY_NOT_FOUND`). `report`
   * is the `Auth`'s `onEvent`, when it has one: a provider that fetches keys tells it which it left out.
   */
  verifyKey(header: JwsHeader, report?: (event: KeySkippedEvent) => void): MaybePromise<BoundKey | undefined>;
  /**
   * The keys, in order, for a token `verifyKey`'s key did not verify: `keySet`'s `legacy` keys, for
   * kid-less tokens of older secrets. Only those the app listed: trying every key is no check.
   */
  fallbackKeys?(header: JwsHeader): readonly BoundKey[];
  /** The key `issue` signs with (the active one, or the one named by `kid`); absent when verify-only. */
  signingKey?(kid?: string): BoundKey | undefined;
  /** The public JWKs of the asymmetric keys held; never a private member or a secret. */
  publicJwks?(): readonly PublicJwk[];
  /** The verification keys held in memory, each bound to its algorithm; what `keySet` is built from. */
  readonly keys?: readonly BoundKey[];
  /**
   * The issuer whose tokens this provider's keys sign (`oidc()` sets it): `createAuth` then
   * checks `iss` against it, and refuses an `issuer` option that differs.
   */
  readonly issuer?: string;
}

/** Checks a `kid` option at provider time. */
export function checkKid(kid: unknown): string | undefined {
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string' || kid.length === 0)
    throw new TypeError('jwt-gate: "kid" must be a non-empty string');
  return kid;
}

/**
 * A provider of one key: a token naming another `kid` finds nothing; a token naming none
 * is checked against this key.
 */
export function singleKeyProvider(
  verifying: BoundKey,
  signing: BoundKey | undefined,
  jwks: readonly PublicJwk[],
): KeyProvider {
  const algorithms = Object.freeze(verifiableAs(verifying.alg));
  return Object.freeze({
    algorithms,
    verifyKey(header: JwsHeader): BoundKey | undefined {
      return verifying.kid !== undefined && header.kid !== undefined && header.kid !== verifying.kid
        ? undefined
        : verifying;
    },
    signingKey(kid?: string): BoundKey | undefined {
      return kid === undefined || kid === signing?.kid ? signing : undefined;
    },
    publicJwks: (): readonly PublicJwk[] => jwks,
    keys: Object.freeze([verifying]),
  });
}

/** A provider's answer checked to be a key: as answered (compared by identity) and its KeyObject, read once. */
export interface CheckedKey {
  readonly bound: BoundKey;
  readonly alg: Algorithm;
  readonly key: KeyObject;
}

/**
 * A provider's answer for a key, checked for shape. `null` is no key, as `undefined` is; anything else
 * that is not a bound key is the provider's programming error: a TypeError that says what came back
 * (in fixed words, never the value), not a token refusal (a list of keys once passed for ERR_ALG_NOT_ALLOWED).
 */
export function checkedKey(value: unknown, method: 'verifyKey' | 'signingKey'): CheckedKey | undefined {
  if (value === undefined || value === null) return undefined;
  let fault: string;
  if (Array.isArray(value)) fault = 'an array';
  else if (typeof value !== 'object') fault = `a ${typeof value}`;
  else {
    const { alg, key } = value as Partial<BoundKey>;
    if (!(key instanceof KeyObject)) fault = 'an object without a KeyObject as its key';
    else if (!isAlgorithm(alg)) fault = 'a key bound to an alg jwt-gate does not know';
    else return { bound: value as BoundKey, alg, key };
  }
  throw new TypeError(
    `jwt-gate: the key provider's ${method} returned ${fault}; it must return { alg, key: KeyObject, kid? } or undefined`,
  );
}

/**
 * A provider's `fallbackKeys` answer, checked as `checkedKey` checks one key: a list (or nothing) of
 * bound keys. Anything else is the provider's programming error, said in fixed words.
 */
export function checkedKeys(value: unknown): readonly CheckedKey[] {
  if (value === undefined || value === null) return [];
  const fault = (what: string) =>
    new TypeError(
      `jwt-gate: the key provider's fallbackKeys returned ${what}; it must return a list of { alg, key: KeyObject, kid? }`,
    );
  if (!Array.isArray(value))
    throw fault(typeof value === 'object' ? 'an object that is no list' : `a ${typeof value}`);
  return value.map((member: unknown) => {
    try {
      const checked = checkedKey(member, 'verifyKey');
      if (checked !== undefined) return checked;
    } catch {
      // Named below, as the list's fault.
    }
    throw fault('a list with a member that is no key');
  });
}

/**
 * The `issuer` option (or `option`, an entry's): a provider that knows its issuer (oidc) decides it;
 * the option may only repeat it.
 */
export function resolveIssuer(
  value: unknown,
  key: KeyProvider,
  option = 'issuer',
  keyOption = 'key',
): string | undefined {
  // express-jwt's and jose's issuer list lets every listed issuer's tokens verify with one key.
  if (Array.isArray(value))
    throw optionError(
      option,
      "one string, the app's own: list other issuers in issuers: [{ issuer, key, audience }], each with its own keys",
    );
  const issuer = optionalString(value, option);
  if (key.issuer === undefined) return issuer;
  if (typeof key.issuer !== 'string' || key.issuer === '')
    throw optionError(keyOption, 'a key provider whose issuer is a non-empty string');
  if (issuer !== undefined && issuer !== key.issuer)
    throw optionError(option, `the key provider's issuer (${key.issuer}), or left out`);
  return key.issuer;
}

/** The `key` option (or `option`, an entry's), checked to be a provider. */
export function resolveKey(value: unknown, option = 'key'): KeyProvider {
  const candidate = value as Partial<KeyProvider> | null;
  if (typeof candidate === 'object' && candidate !== null && typeof candidate.verifyKey === 'function') {
    const algorithms: unknown = candidate.algorithms;
    // A name the verifier does not know would refuse every token as ERR_ALG_NOT_ALLOWED: the app's slip, said at start-up.
    if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isAlgorithm))
      throw optionError(option, `a key provider whose algorithms are among ${ALGORITHMS.join(', ')}`);
    return candidate as KeyProvider;
  }
  // koa-jwt's `key` names the state property; express-jwt users pass the secret itself.
  const hint =
    typeof value === 'string'
      ? " (the secret goes in hs256(secret); koa-jwt's state key is the property option of requireAuth)"
      : '';
  throw optionError(option, `a key provider such as hs256(secret) or rs256({ publicKey })${hint}`);
}

/** The keys of an `Auth` that has none of its own (only `issuers`): it verifies nothing itself and signs nothing. */
export const NO_KEYS: KeyProvider = Object.freeze({
  algorithms: Object.freeze([]),
  verifyKey: (): undefined => undefined,
});

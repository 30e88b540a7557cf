import type { KeyObject } from 'node:crypto';
import type { KeySkippedEvent } from '../events.js';
import { verifiableAs, type Algorithm } from '../jws/jwa.js';
import type { JwsHeader } from '../jws/jws.js';
import { optionError, optionalString } from '../validate.js';

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

/** The `issuer` option: a provider that knows its issuer (oidc) decides it; the option may only repeat it. */
export function resolveIssuer(value: unknown, key: KeyProvider): string | undefined {
  const issuer = optionalString(value, 'issuer');
  if (key.issuer === undefined) return issuer;
  if (typeof key.issuer !== 'string' || key.issuer === '')
    throw optionError('key', 'a key provider whose issuer is a non-empty string');
  if (issuer !== undefined && issuer !== key.issuer)
    throw optionError('issuer', `the key provider's issuer (${key.issuer}), or left out`);
  return key.issuer;
}

/** The `key` option, checked to be a provider. */
export function resolveKey(value: unknown): KeyProvider {
  const candidate = value as Partial<KeyProvider> | null;
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    Array.isArray(candidate.algorithms) &&
    typeof candidate.verifyKey === 'function'
  )
    return candidate as KeyProvider;
  // koa-jwt's `key` names the state property; express-jwt users pass the secret itself.
  const hint =
    typeof value === 'string'
      ? " (the secret goes in hs256(secret); koa-jwt's state key is the property option of requireAuth)"
      : '';
  throw optionError('key', `a key provider such as hs256(secret) or rs256({ publicKey })${hint}`);
}

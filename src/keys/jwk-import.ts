import type { KeyObject } from 'node:crypto';
import type { KeySkipReason } from '../events.js';
import type { Algorithm } from '../jws/jwa.js';
import { ED25519 } from './eddsa.js';
import { P256 } from './es256.js';
import { RSA, importKey, type KeyFamily } from './key-import.js';
import type { BoundKey } from './provider.js';
import { RSA_PSS } from './ps256.js';

// Any of these is a private key published by mistake: a leak at the issuer, not a key to trust.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

interface Reading {
  readonly alg: Algorithm;
  readonly family: KeyFamily;
  readonly members: Readonly<Record<string, unknown>>;
}

/**
 * What a JWK is for, from its own members: its `kty` and `crv` decide the algorithm, and an `alg`
 * member must name that algorithm. An RSA key without `alg` is taken for RS256 only (RS256 is what
 * issuers that omit `alg` sign with); PS256 needs `alg: "PS256"`. `undefined` for anything else.
 */
function read(jwk: Record<string, unknown>): Reading | undefined {
  const { kty, crv, alg, n, e, x, y } = jwk as Record<string, string | undefined>;
  if (kty === 'RSA' && (alg === undefined || alg === 'RS256' || alg === 'PS256')) {
    return { alg: alg ?? 'RS256', family: alg === 'PS256' ? RSA_PSS : RSA, members: { kty, n, e } };
  }
  if (kty === 'EC' && crv === 'P-256' && (alg === undefined || alg === 'ES256')) {
    return { alg: 'ES256', family: P256, members: { kty, crv, x, y } };
  }
  // Ed448 and X25519 keys share kty OKP: the curve tells them apart.
  if (kty === 'OKP' && crv === 'Ed25519' && (alg === undefined || alg === 'EdDSA' || alg === 'Ed25519')) {
    return { alg: alg ?? 'EdDSA', family: ED25519, members: { kty, crv, x } };
  }
  return undefined;
}

/** A published key of a kind this library verifies with, left out: its kid as published, and why. */
export interface LeftOut {
  readonly kid: string | undefined;
  readonly reason: KeySkipReason;
}

/**
 * A published JWK as a verification key; `LeftOut` when it is a signature key of a kind this
 * library takes but cannot be trusted; `undefined` when it is not one this library may use at all.
 */
export function readJwk(jwk: unknown): BoundKey | LeftOut | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const { use, kid, key_ops: ops } = jwk as Record<string, unknown>;
  if (use !== undefined && use !== 'sig') return undefined;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return undefined;
  const reading = read(jwk as Record<string, unknown>);
  if (reading === undefined) return undefined;
  if (kid !== undefined && typeof kid !== 'string') return { kid: undefined, reason: 'invalid' };
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return { kid, reason: 'private' };
  let key: KeyObject;
  try {
    key = importKey(reading.members, 'public', reading.family);
  } catch (err) {
    // Sizes and exponents are RangeErrors (checkRsaKey); members that make no key, TypeErrors.
    return { kid, reason: err instanceof RangeError ? 'weak' : 'invalid' };
  }
  return Object.freeze({ alg: reading.alg, key, kid });
}

import { KeyObject, createSecretKey } from 'node:crypto';
import { checkKnownKeys } from '../validate.js';
import { checkKid, singleKeyProvider, type KeyProvider } from './provider.js';

/** An HMAC secret: text (UTF-8), bytes, or a secret `KeyObject`. */
export type HmacSecret = string | Uint8Array | KeyObject;

/** The secret of `hs256`, and what else it may take. */
export interface Hs256Options {
  readonly secret: HmacSecret;
  /** Written to the token header and required to match on verify when the token names one. */
  readonly kid?: string;
  /**
   * An older system's HMAC, opted into for this secret alone: HS384 or HS512 (the secret then at
   * least 48 or 64 bytes). Still one algorithm per key. @default 'HS256'
   */
  readonly alg?: 'HS256' | 'HS384' | 'HS512';
}

// RFC 7518 §3.2: a key of the same size as the hash output or larger.
const MIN_SECRET_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

function importSecret(secret: unknown, alg: keyof typeof MIN_SECRET_BYTES): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret')
      throw new TypeError('jwt-gate: hs256 needs a secret key, not an asymmetric one');
    if ((secret.symmetricKeySize ?? 0) < MIN_SECRET_BYTES[alg]) throw shortSecret(alg);
    return secret;
  }
  if (typeof secret === 'string') secret = Buffer.from(secret, 'utf8');
  if (!(secret instanceof Uint8Array))
    throw new TypeError('jwt-gate: hs256 secret must be a string, bytes or a KeyObject');
  // An RSA key handed to HMAC is the classic algorithm-confusion set-up: refuse it, as text or as bytes.
  if (Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).includes('-----BEGIN')) {
    throw new TypeError('jwt-gate: hs256 was given a PEM key; use rs256 for RSA');
  }
  if (secret.byteLength < MIN_SECRET_BYTES[alg]) throw shortSecret(alg);
  return createSecretKey(secret);
}

const shortSecret = (alg: keyof typeof MIN_SECRET_BYTES): RangeError =>
  new RangeError(
    `jwt-gate: an ${alg} secret must be at least ${MIN_SECRET_BYTES[alg]} bytes (RFC 7518 §3.2)`,
  );

// hs256(process.env.JWT_SECRET!), or { secret }, with the variable unset: say so, rather than list the types a
// secret may have. (An object without `secret`, an ArrayBuffer say, gets that list.)
const undefinedSecret = (): TypeError =>
  new TypeError('jwt-gate: hs256: the secret is undefined (is JWT_SECRET set?)');

/** HMAC-SHA256 with one shared secret: it signs and verifies, and is never published. */
export function hs256(options: HmacSecret | Hs256Options): KeyProvider {
  let secret: unknown = options;
  let kid: string | undefined;
  let alg: keyof typeof MIN_SECRET_BYTES = 'HS256';
  if (options === undefined) throw undefinedSecret();
  if (typeof options === 'object' && !(options instanceof KeyObject) && !(options instanceof Uint8Array)) {
    if (options === null) throw new TypeError('jwt-gate: hs256 needs a secret');
    checkKnownKeys(options, ['secret', 'kid', 'alg'], 'hs256');
    if (options.secret === undefined && Object.hasOwn(options, 'secret')) throw undefinedSecret();
    secret = options.secret;
    kid = checkKid(options.kid);
    alg = options.alg ?? 'HS256';
    if (!Object.hasOwn(MIN_SECRET_BYTES, alg))
      throw new TypeError('jwt-gate: hs256 "alg" must be HS256, HS384 or HS512');
  }
  const bound = Object.freeze({ alg, key: importSecret(secret, alg), kid });
  return singleKeyProvider(bound, bound, []);
}

import { KeyObject, createSecretKey } from 'node:crypto';
import { checkKnownKeys } from '../known-keys.js';
import { checkKid, singleKeyProvider, type KeyProvider } from './provider.js';

/** An HMAC secret: text (UTF-8), bytes, or a secret `KeyObject`. */
export type HmacSecret = string | Uint8Array | KeyObject;

export interface Hs256Options {
  readonly secret: HmacSecret;
  /** Written to the token header and required to match on verify when the token names one. */
  readonly kid?: string;
}

// RFC 7518 §3.2: a key of the same size as the hash output (256 bits) or larger.
const MIN_SECRET_BYTES = 32;

function importSecret(secret: unknown): KeyObject {
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') throw new TypeError('jwt-gate: hs256 needs a secret key, not an asymmetric one');
    if ((secret.symmetricKeySize ?? 0) < MIN_SECRET_BYTES) throw shortSecret();
    return secret;
  }
  if (typeof secret === 'string') secret = Buffer.from(secret, 'utf8');
  if (!(secret instanceof Uint8Array)) throw new TypeError('jwt-gate: hs256 secret must be a string, bytes or a KeyObject');
  // An RSA key handed to HMAC is the classic algorithm-confusion set-up: refuse it, as text or as bytes.
  if (Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).includes('-----BEGIN')) {
    throw new TypeError('jwt-gate: hs256 was given a PEM key; use rs256 for RSA');
  }
  if (secret.byteLength < MIN_SECRET_BYTES) throw shortSecret();
  return createSecretKey(secret);
}

const shortSecret = (): RangeError =>
  new RangeError(`jwt-gate: an HS256 secret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7518 §3.2)`);

/** HMAC-SHA256 with one shared secret: it signs and verifies, and is never published. */
export function hs256(options: HmacSecret | Hs256Options): KeyProvider {
  let secret: unknown = options;
  let kid: string | undefined;
  if (typeof options === 'object' && !(options instanceof KeyObject) && !(options instanceof Uint8Array)) {
    if (options === null) throw new TypeError('jwt-gate: hs256 needs a secret');
    checkKnownKeys(options, ['secret', 'kid'], 'hs256');
    secret = options.secret;
    kid = checkKid(options.kid);
  }
  const bound = Object.freeze({ alg: 'HS256' as const, key: importSecret(secret), kid });
  return singleKeyProvider(bound, bound, []);
}

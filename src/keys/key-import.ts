import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import type { Jwk } from './jwk-members.js';

/** An asymmetric key as PEM text, PEM or DER bytes, a JWK, or a `KeyObject`. */
export type KeyInput = string | Uint8Array | Jwk | KeyObject;
/** An RSA key as PEM text, PEM or DER bytes, a JWK, or a `KeyObject`. */
export type RsaKeyInput = KeyInput;

export type KeyKind = 'public' | 'private';

/** What the keys of one provider must be; `check` refuses sizes, curves or parameters that do not fit. */
export interface KeyFamily {
  /** The provider named in messages: `rs256`. */
  readonly provider: string;
  /** The key type as people say it: `RSA`, `EC P-256`, `Ed25519`. */
  readonly label: string;
  /** The `asymmetricKeyType`s taken. */
  readonly types: readonly string[];
  readonly check?: (key: KeyObject, fail: (why: string) => TypeError) => void;
}

const PEM_LABEL = '-----BEGIN ';

export function keyError(family: KeyFamily, kind: KeyKind, why: string, cause?: unknown): TypeError {
  return new TypeError(
    `jwt-gate: ${family.provider} ${kind}Key ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

// DER carries no label, so the encodings are tried in turn; the first that parses wins.
const DER_TYPES = { public: ['spki', 'pkcs1'], private: ['pkcs8', 'pkcs1', 'sec1'] } as const;

function importDer(der: Buffer, kind: KeyKind): KeyObject | undefined {
  for (const type of DER_TYPES[kind]) {
    try {
      return kind === 'public'
        ? createPublicKey({ key: der, format: 'der', type: type as 'spki' | 'pkcs1' })
        : createPrivateKey({ key: der, format: 'der', type: type as 'pkcs8' | 'pkcs1' | 'sec1' });
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function toKeyObject(input: unknown, kind: KeyKind, family: KeyFamily): KeyObject {
  const fail = (why: string, cause?: unknown): TypeError => keyError(family, kind, why, cause);
  if (input instanceof KeyObject) return input;
  if (input instanceof Uint8Array) {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // PEM read without an encoding; it may open with a BOM or OpenSSL's "Bag Attributes" lines.
    if (bytes.includes(PEM_LABEL)) return toKeyObject(bytes.toString('utf8'), kind, family);
    // A private key given as a public one is refused, not silently reduced to its public half.
    if (kind === 'public' && importDer(bytes, 'private'))
      throw fail('is a private key; pass it as privateKey');
    const key = importDer(bytes, kind);
    if (!key) throw fail(`is not a DER-encoded ${family.label} key`);
    return key;
  }
  try {
    if (typeof input === 'string') {
      if (kind === 'public' && input.includes('PRIVATE KEY-----'))
        throw fail('is a private key; pass it as privateKey');
      return kind === 'public' ? createPublicKey(input) : createPrivateKey(input);
    }
    if (typeof input === 'object' && input !== null) {
      const jwk = input as Jwk;
      if (kind === 'public' && jwk.d !== undefined) throw fail('is a private JWK; pass it as privateKey');
      return kind === 'public'
        ? createPublicKey({ key: jwk, format: 'jwk' })
        : createPrivateKey({ key: jwk, format: 'jwk' });
    }
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith('jwt-gate:')) throw err;
    throw fail(
      'could not be imported (PEM, DER, JWK or KeyObject; encrypted PEM must be decrypted first)',
      err,
    );
  }
  throw fail('must be PEM, DER bytes, a JWK or a KeyObject');
}

/** Imports a key once and checks its type, size, curve and parameters, so requests never parse keys. */
export function importKey(input: unknown, kind: KeyKind, family: KeyFamily): KeyObject {
  const fail = (why: string): TypeError => keyError(family, kind, why);
  const key = toKeyObject(input, kind, family);
  if (key.type !== kind) {
    throw fail(
      key.type === 'private'
        ? 'is a private key; pass it as privateKey'
        : `must be an ${family.label} ${kind} key`,
    );
  }
  if (!family.types.includes(key.asymmetricKeyType ?? ''))
    throw fail(`must be an ${family.label} key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  family.check?.(key, fail);
  return key;
}

const MIN_MODULUS_BITS = 2048;
// FIPS 186-5's bound (Go takes none above 2^31 - 1); with n at least 2^2047, e < n follows.
const MAX_EXPONENT = 2n ** 256n;

/**
 * RSA moduli of at least 2048 bits (RFC 7518 §3.3, §3.5), and exponents RFC 8017 §3.1 allows (odd, at
 * least 3) below 2^256. With e = 1 a signature is the padded message itself, so anyone could sign.
 */
export function checkRsaKey(key: KeyObject): void {
  const { modulusLength: bits = 0, publicExponent: e = 0n } = key.asymmetricKeyDetails ?? {};
  if (bits < MIN_MODULUS_BITS) {
    throw new RangeError(
      `jwt-gate: RSA keys must be at least ${MIN_MODULUS_BITS} bits (this one has ${bits})`,
    );
  }
  if (e < 3n || e % 2n === 0n || e >= MAX_EXPONENT) {
    throw new RangeError(
      'jwt-gate: RSA public exponents must be odd, at least 3 and below 2^256 (RFC 8017 §3.1)',
    );
  }
}

/** The RSA keys of `rs256`: PKCS#1 v1.5 needs a plain RSA key (an RSA-PSS key cannot make that signature). */
export const RSA: KeyFamily = Object.freeze({
  provider: 'rs256',
  label: 'RSA',
  types: Object.freeze(['rsa']),
  check: checkRsaKey,
});

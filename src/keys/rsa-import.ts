import { KeyObject, createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';

/** An RSA key as PEM text, PEM or DER bytes, a JWK, or a `KeyObject`. */
export type RsaKeyInput = string | Uint8Array | JsonWebKey | KeyObject;

type KeyKind = 'public' | 'private';
const MIN_MODULUS_BITS = 2048;
const PEM_LABEL = '-----BEGIN ';

function fail(kind: KeyKind, why: string, cause?: unknown): TypeError {
  return new TypeError(`jwt-gate: rs256 ${kind}Key ${why}`, cause === undefined ? undefined : { cause });
}

// DER carries no label, so the encodings are tried in turn; the first that parses wins.
function importDer(der: Buffer, kind: KeyKind): KeyObject | undefined {
  const attempts =
    kind === 'public'
      ? [() => createPublicKey({ key: der, format: 'der', type: 'spki' }), () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' })]
      : [() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function toKeyObject(input: unknown, kind: KeyKind): KeyObject {
  if (input instanceof KeyObject) return input;
  if (input instanceof Uint8Array) {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // PEM read without an encoding; it may open with a BOM or OpenSSL's "Bag Attributes" lines.
    if (bytes.includes(PEM_LABEL)) return toKeyObject(bytes.toString('utf8'), kind);
    // A private key given as a public one is refused, not silently reduced to its public half.
    if (kind === 'public' && importDer(bytes, 'private')) throw fail(kind, 'is a private key; pass it as privateKey');
    const key = importDer(bytes, kind);
    if (!key) throw fail(kind, 'is not a DER-encoded RSA key');
    return key;
  }
  try {
    if (typeof input === 'string') {
      if (kind === 'public' && input.includes('PRIVATE KEY-----')) throw fail(kind, 'is a private key; pass it as privateKey');
      return kind === 'public' ? createPublicKey(input) : createPrivateKey(input);
    }
    if (typeof input === 'object' && input !== null) {
      const jwk = input as JsonWebKey;
      if (kind === 'public' && jwk.d !== undefined) throw fail(kind, 'is a private JWK; pass it as privateKey');
      return kind === 'public' ? createPublicKey({ key: jwk, format: 'jwk' }) : createPrivateKey({ key: jwk, format: 'jwk' });
    }
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith('jwt-gate:')) throw err;
    throw fail(kind, 'could not be imported (PEM, DER, JWK or KeyObject; encrypted PEM must be decrypted first)', err);
  }
  throw fail(kind, 'must be PEM, DER bytes, a JWK or a KeyObject');
}

/** Imports an RSA key once and checks its type and size, so requests never parse keys. */
export function importRsaKey(input: unknown, kind: KeyKind): KeyObject {
  const key = toKeyObject(input, kind);
  if (key.type !== kind) {
    throw fail(kind, key.type === 'private' ? 'is a private key; pass it as privateKey' : `must be an RSA ${kind} key`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw fail(kind, `must be an RSA key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    throw new RangeError(`jwt-gate: RSA keys must be at least ${MIN_MODULUS_BITS} bits (this one has ${bits})`);
  }
  return key;
}

/** True when both keys hold the same modulus and exponent. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const ja = a.export({ format: 'jwk' });
  const jb = b.export({ format: 'jwk' });
  return ja.n === jb.n && ja.e === jb.e;
}

import { constants, createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/**
 * The algorithms jwt-gate signs and verifies: RFC 7518 §3.1, RFC 8037 §3.1 (`EdDSA`), and RFC 9864
 * §2.2 (`Ed25519`, the fully specified name of EdDSA over Ed25519, which is the only curve taken).
 */
export type Algorithm = 'HS256' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'Ed25519' | LegacyAlgorithm;

/** Algorithms taken only where a provider opts in (`hs256({ alg })`, `rs256({ alg })`), for tokens of older systems. */
export type LegacyAlgorithm = 'HS384' | 'HS512' | 'RS384' | 'RS512';

type Signer = (key: KeyObject, data: Buffer) => Buffer | Promise<Buffer>;

interface Jwa {
  /** The key types this algorithm may use; sizes and parameters are checked once, at import. */
  readonly fits: (key: KeyObject) => boolean;
  readonly verify: (key: KeyObject, data: string | Uint8Array, signature: Uint8Array) => boolean;
  readonly sign: Signer;
}

// RFC 7518 §3.5: the salt is as long as the hash. jose and WebCrypto require exactly that on verify,
// so a PS256 signature has one salt length, as an RS256 one has one padding.
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;
// The order n of P-256 (SEC 2 §2.4.2): r and s must lie in [1, n - 1].
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

/** An RSA-PSS key restricted to other parameters cannot make or check a PS256 signature. */
export function pssParametersFit(key: KeyObject): boolean {
  const { hashAlgorithm, mgf1HashAlgorithm, saltLength } = key.asymmetricKeyDetails ?? {};
  return (
    (hashAlgorithm ?? 'sha256') === 'sha256' &&
    (mgf1HashAlgorithm ?? 'sha256') === 'sha256' &&
    (saltLength ?? 0) <= PSS.saltLength
  );
}

const inScalarRange = (value: Uint8Array): boolean =>
  value.some((byte) => byte !== 0) && Buffer.compare(value, P256_ORDER) < 0;

// Every asymmetric signature goes to the thread pool. Measured (bench/RESULTS.md, "ES256 and EdDSA"):
// the hand-off costs the loop ~20 µs a signature where signing in place costs ~45 µs for ES256 and
// Ed25519 too, and with logins in parallel the other core signs. HMAC (~2 µs) stays in place.
function onThreadPool(
  algorithm: string | null,
  options: (key: KeyObject) => Parameters<typeof sign>[2],
): Signer {
  return (key, data) =>
    new Promise((resolve, reject) => {
      sign(algorithm, data, options(key), (err, signature) => {
        if (err) reject(err);
        else resolve(signature);
      });
    });
}

const isRsa = (key: KeyObject): boolean => key.asymmetricKeyType === 'rsa';
// HMAC takes the text as it is; crypto.verify wants bytes.
const bytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data) : data;

const EDDSA: Jwa = {
  fits: (key) => key.asymmetricKeyType === 'ed25519',
  // RFC 8032 §5.1.7: OpenSSL refuses S >= L and non-canonical points; 64 bytes is the only length.
  verify: (key, data, signature) => signature.byteLength === 64 && verify(null, bytes(data), key, signature),
  sign: onThreadPool(null, (key) => key),
};

// HMAC tags are compared in constant time after a length check.
const hmac = (hash: string): Jwa => ({
  fits: (key) => key.type === 'secret',
  verify(key, data, signature) {
    const expected = createHmac(hash, key).update(data).digest();
    return signature.byteLength === expected.length && timingSafeEqual(signature, expected);
  },
  sign: (key, data) => createHmac(hash, key).update(data).digest(),
});

// crypto.verify rebuilds and compares the whole PKCS#1 v1.5 block.
const pkcs1 = (hash: string): Jwa => ({
  fits: isRsa,
  verify: (key, data, signature) => verify(hash, bytes(data), key, signature),
  sign: onThreadPool(hash, (key) => key),
});

const TABLE: Readonly<Record<Algorithm, Jwa>> = {
  HS256: hmac('sha256'),
  RS256: pkcs1('sha256'),
  PS256: {
    fits: (key) => isRsa(key) || (key.asymmetricKeyType === 'rsa-pss' && pssParametersFit(key)),
    verify: (key, data, signature) => verify('sha256', bytes(data), { key, ...PSS }, signature),
    sign: onThreadPool('sha256', (key) => ({ key, ...PSS })),
  },
  ES256: {
    fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    // JOSE's r || s, 32 bytes each (RFC 7518 §3.4), never DER. OpenSSL checks the ranges too; checking
    // them here keeps a zero or oversized scalar from reaching any curve arithmetic.
    verify: (key, data, signature) =>
      signature.byteLength === 64 &&
      inScalarRange(signature.subarray(0, 32)) &&
      inScalarRange(signature.subarray(32)) &&
      verify('sha256', bytes(data), { key, dsaEncoding: 'ieee-p1363' }, signature),
    sign: onThreadPool('sha256', (key) => ({ key, dsaEncoding: 'ieee-p1363' })),
  },
  EdDSA: EDDSA,
  Ed25519: EDDSA,
  HS384: hmac('sha384'),
  HS512: hmac('sha512'),
  RS384: pkcs1('sha384'),
  RS512: pkcs1('sha512'),
};

/** Every algorithm name jwt-gate knows, in the table's order. */
export const ALGORITHMS: readonly Algorithm[] = Object.freeze(Object.keys(TABLE) as Algorithm[]);

/** Whether `name` is an algorithm jwt-gate knows (an own name of the table, never `toString`). */
export const isAlgorithm = (name: unknown): name is Algorithm =>
  typeof name === 'string' && Object.hasOwn(TABLE, name);

const isEd = (alg: string): boolean => alg === 'EdDSA' || alg === 'Ed25519';

/** Whether `alg` is an HMAC: keyed by a shared secret, never published. */
const isHmac = (alg: string): boolean => alg === 'HS256' || alg === 'HS384' || alg === 'HS512';

/** Whether a key bound to `keyAlg` verifies a token whose header says `tokenAlg`: the same name, or both names of Ed25519. */
export const acceptsAlg = (keyAlg: Algorithm, tokenAlg: string): boolean =>
  keyAlg === tokenAlg || (isEd(keyAlg) && isEd(tokenAlg));

/** The names a token may carry for a key bound to `alg`. */
export const verifiableAs = (alg: Algorithm): readonly Algorithm[] =>
  isEd(alg) ? ['EdDSA', 'Ed25519'] : [alg];

function check(alg: Algorithm, key: KeyObject, use: 'sign' | 'verify'): Jwa {
  const jwa = TABLE[alg];
  const type = isHmac(alg) ? 'secret' : use === 'sign' ? 'private' : 'public';
  if (jwa === undefined || key.type !== type || !jwa.fits(key)) {
    throw new TypeError(`jwt-gate: the key provider returned a key that cannot ${use} ${alg}`);
  }
  return jwa;
}

/** Checks `signature` over `data` with `key`, which must fit `alg`. */
export function verifyBytes(
  alg: Algorithm,
  key: KeyObject,
  data: string | Uint8Array,
  signature: Uint8Array,
): boolean {
  return check(alg, key, 'verify').verify(key, data, signature);
}

/** Signs `data`: HMAC in place, asymmetric algorithms on the thread pool. */
export function signBytes(alg: Algorithm, key: KeyObject, data: string): Buffer | Promise<Buffer> {
  return check(alg, key, 'sign').sign(key, Buffer.from(data));
}

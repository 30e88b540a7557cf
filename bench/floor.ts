import { constants, createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

// The physical limit: what a verifier cannot skip. Split, decode and parse the payload, check
// the signature. No header decoding, no canonical-base64url check, no claim checks: not safe to
// use, only a yardstick.

/** HS256 floor: HMAC-SHA256 and a constant-time comparison. */
export function floorVerifyHs256(token: string, secret: KeyObject): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const expected = createHmac('sha256', secret).update(token.slice(0, secondDot)).digest();
  const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
    throw new Error('bad signature');
  return JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** The asymmetric algorithms, each with the hash and the options of its one `crypto.verify` or `crypto.sign`. */
export type AsymmetricAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
const CRYPTO: Readonly<Record<AsymmetricAlg, { hash: string | null; options: object | undefined }>> = {
  RS256: { hash: 'sha256', options: undefined },
  PS256: { hash: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  ES256: { hash: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { hash: null, options: undefined },
};
// The key alone where the algorithm needs no options, as a caller would pass it.
const keyFor = (alg: AsymmetricAlg, key: KeyObject): KeyObject | (object & { key: KeyObject }) => {
  const { options } = CRYPTO[alg];
  return options === undefined ? key : { key, ...options };
};

/** An asymmetric floor: one `crypto.verify`. */
export function floorVerify(
  alg: AsymmetricAlg,
  token: string,
  publicKey: KeyObject,
): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
  if (!verify(CRYPTO[alg].hash, Buffer.from(token.slice(0, secondDot)), keyFor(alg, publicKey), signature))
    throw new Error('bad signature');
  return JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** RS256 floor: one `crypto.verify`. */
export const floorVerifyRs256 = (token: string, publicKey: KeyObject): Record<string, unknown> =>
  floorVerify('RS256', token, publicKey);

const header = (alg: string): string =>
  Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
const HS256_HEADER = header('HS256');
const HEADERS: Readonly<Record<AsymmetricAlg, string>> = {
  RS256: header('RS256'),
  PS256: header('PS256'),
  ES256: header('ES256'),
  EdDSA: header('EdDSA'),
};

/** HS256 floor signer: a constant header, one HMAC. */
export function floorSignHs256(claims: object, secret: KeyObject): string {
  const input = `${HS256_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An asymmetric floor signer: a constant header, one synchronous `crypto.sign`. */
export function floorSign(alg: AsymmetricAlg, claims: object, privateKey: KeyObject): string {
  const input = `${HEADERS[alg]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(CRYPTO[alg].hash, Buffer.from(input), keyFor(alg, privateKey)).toString('base64url')}`;
}

/** The same signature on the thread pool (`crypto.sign` with a callback): what a hand-off costs. */
export function floorSignAsync(alg: AsymmetricAlg, claims: object, privateKey: KeyObject): Promise<string> {
  const input = `${HEADERS[alg]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return new Promise((resolve, reject) => {
    sign(CRYPTO[alg].hash, Buffer.from(input), keyFor(alg, privateKey), (err, signature) =>
      err ? reject(err) : resolve(`${input}.${signature.toString('base64url')}`),
    );
  });
}

/** RS256 floor signer: a constant header, one synchronous `crypto.sign`. */
export const floorSignRs256 = (claims: object, privateKey: KeyObject): string =>
  floorSign('RS256', claims, privateKey);

// The signature layer of ES256, EdDSA and PS256: Wycheproof's verdicts case by case, and the encodings JOSE refuses.
import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, es256, ps256 } from '../../src/index.js';
import { signBytes, verifyBytes } from '../../src/jws/jwa.js';
import { NOW, b64, fixedNow, fixture } from '../helpers.js';

interface Part {
  readonly testGroups: readonly {
    readonly publicKey: { readonly uncompressed?: string; readonly pk?: string };
    readonly tests: readonly Case[];
  }[];
}
interface Case {
  readonly tcId: number;
  readonly comment: string;
  readonly msg: string;
  readonly sig: string;
  readonly result: 'valid' | 'invalid';
}

const part = (name: string): Part => JSON.parse(fixture(`vectors/wycheproof/${name}`)) as Part;
// SubjectPublicKeyInfo prefixes (RFC 5480 §2, RFC 8410 §4) for a raw P-256 point and a raw Ed25519 key.
const P256_SPKI = '3059301306072a8648ce3d020106082a8648ce3d030107034200';
const ED25519_SPKI = '302a300506032b6570032100';
const spki = (prefix: string, hex: string): KeyObject =>
  createPublicKey({ key: Buffer.from(prefix + hex, 'hex'), format: 'der', type: 'spki' });

function cases(name: string, prefix: string): (readonly [number, string, string, KeyObject, Case])[] {
  return part(name).testGroups.flatMap((group) => {
    const key = spki(prefix, group.publicKey.uncompressed ?? group.publicKey.pk ?? '');
    return group.tests.map((t) => [t.tcId, t.result, t.comment, key, t] as const);
  });
}

const ecdsa = cases('ecdsa_secp256r1_sha256_p1363_test.cases.json', P256_SPKI);
const ed25519 = cases('ed25519_test.cases.json', ED25519_SPKI);

describe('Wycheproof ECDSA P-256 SHA-256, IEEE P1363 (ES256)', () => {
  it('holds every case of the file: 252, of which 169 valid', () => {
    expect(ecdsa).toHaveLength(252);
    expect(ecdsa.filter(([, result]) => result === 'valid').length).toBe(169);
  });

  it.each(ecdsa)('tcId %i is %s (%s)', (_id, result, _comment, key, t) => {
    expect(verifyBytes('ES256', key, Buffer.from(t.msg, 'hex'), Buffer.from(t.sig, 'hex'))).toBe(
      result === 'valid',
    );
  });
});

describe('Wycheproof Ed25519 (EdDSA and Ed25519)', () => {
  it('holds every case of the file: 151, of which 88 valid', () => {
    expect(ed25519).toHaveLength(151);
    expect(ed25519.filter(([, result]) => result === 'valid').length).toBe(88);
  });

  it.each(ed25519)('tcId %i is %s (%s)', (_id, result, _comment, key, t) => {
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      expect(verifyBytes(alg, key, Buffer.from(t.msg, 'hex'), Buffer.from(t.sig, 'hex'))).toBe(
        result === 'valid',
      );
    }
  });
});

describe('ES256 signatures are 64 bytes of r || s, each in [1, n - 1]', () => {
  const privateKey = createPrivateKey(fixture('test-only-ec-p256-private.pem'));
  const publicKey = createPublicKey(privateKey);
  const data = Buffer.from('header.payload');
  const good = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  const r = good.subarray(0, 32);
  const s = good.subarray(32);
  const plus = (value: Buffer, add: number): Buffer =>
    Buffer.from((BigInt(`0x${value.toString('hex')}`) + BigInt(add)).toString(16).padStart(64, '0'), 'hex');

  it('signs on the thread pool in the JOSE form, 64 bytes, that node reads as P1363', async () => {
    const pending = signBytes('ES256', privateKey, 'header.payload');
    expect(pending).toBeInstanceOf(Promise);
    const signature = await pending;
    expect(signature).toHaveLength(64);
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(verifyBytes('ES256', publicKey, data, signature)).toBe(true);
  });

  it('signs Ed25519 on the thread pool too', async () => {
    const ed = createPrivateKey(fixture('test-only-ed25519-private.pem'));
    const pending = signBytes('EdDSA', ed, 'header.payload');
    expect(pending).toBeInstanceOf(Promise);
    expect(verify(null, data, createPublicKey(ed), await pending)).toBe(true);
  });

  it.each([
    ['the same signature in DER', () => sign('sha256', data, privateKey)],
    ['r || s with a byte dropped', () => good.subarray(1)],
    ['r || s with a zero byte in front', () => Buffer.concat([Buffer.alloc(1), good])],
    ['r || s padded to 66 bytes', () => Buffer.concat([Buffer.alloc(1), r, Buffer.alloc(1), s])],
    ['r = 0', () => Buffer.concat([Buffer.alloc(32), s])],
    ['s = 0', () => Buffer.concat([r, Buffer.alloc(32)])],
    ['r = n', () => Buffer.concat([n, s])],
    ['s = n', () => Buffer.concat([r, n])],
    ['r = n + 1', () => Buffer.concat([plus(n, 1), s])],
    ['s = 2^256 - 1', () => Buffer.concat([r, Buffer.alloc(32, 0xff)])],
    ['an empty signature', () => Buffer.alloc(0)],
  ])('refuses %s', (_name, signature) => {
    expect(verifyBytes('ES256', publicKey, data, signature())).toBe(false);
  });

  it('accepts n - s as well (ECDSA signatures are malleable; JWS does not ask for low s)', () => {
    const high = Buffer.from(
      (BigInt(`0x${n.toString('hex')}`) - BigInt(`0x${s.toString('hex')}`)).toString(16).padStart(64, '0'),
      'hex',
    );
    expect(verifyBytes('ES256', publicKey, data, Buffer.concat([r, high]))).toBe(true);
  });

  it('a token carrying a DER signature is ERR_SIGNATURE_INVALID, never a crash', async () => {
    const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: 'u1', iat: NOW, exp: NOW + 60 })}`;
    const der = sign('sha256', Buffer.from(input), privateKey).toString('base64url');
    const p1363 = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    );
    const auth = createAuth({ key: es256({ publicKey }), now: fixedNow });
    await expect(auth.verify(`${input}.${der}`)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(auth.verify(`${input}.${p1363}`)).resolves.toMatchObject({ sub: 'u1' });
  });
});

describe('PS256 signatures: PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt', () => {
  const privateKey = createPrivateKey(fixture('test-only-rsa-2048-private.pem'));
  const publicKey = createPublicKey(privateKey);
  const data = Buffer.from('header.payload');
  const pss = (saltLength: number): Buffer =>
    sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });

  it('signs on the thread pool with a 32-byte salt, which node verifies as such', async () => {
    const pending = signBytes('PS256', privateKey, 'header.payload');
    expect(pending).toBeInstanceOf(Promise);
    const signature = await pending;
    expect(
      verify(
        'sha256',
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        signature,
      ),
    ).toBe(true);
    expect(verifyBytes('PS256', publicKey, data, signature)).toBe(true);
  });

  it.each([
    ['salt 0', () => pss(0)],
    ['salt 20', () => pss(20)],
    ['the largest salt', () => pss(constants.RSA_PSS_SALTLEN_MAX_SIGN)],
    ['PKCS#1 v1.5 (RS256)', () => sign('sha256', data, privateKey)],
  ])('refuses a signature with %s: jose and WebCrypto take the hash length only', (_name, signature) => {
    expect(verifyBytes('PS256', publicKey, data, signature())).toBe(false);
  });

  it('verifies an RSA-PSS key restricted to PS256 parameters, and its signatures', async () => {
    const restricted = createPrivateKey(fixture('test-only-rsa-pss-2048-private.pem'));
    const signature = await signBytes('PS256', restricted, 'header.payload');
    expect(verifyBytes('PS256', createPublicKey(restricted), data, signature)).toBe(true);
    const auth = createAuth({ key: ps256({ privateKey: restricted }), now: fixedNow });
    await expect(auth.verify(await auth.issue({ sub: 'p' }))).resolves.toMatchObject({ sub: 'p' });
  });
});

describe('a key that does not fit the algorithm is a TypeError at the signature layer', () => {
  it.each([
    ['a P-384 key for ES256', 'ES256', () => createPublicKey(fixture('test-only-ec-p384-public.pem'))],
    ['an RSA key for ES256', 'ES256', () => createPublicKey(fixture('test-only-rsa-2048-public.pem'))],
    ['an Ed448 key for EdDSA', 'EdDSA', () => createPublicKey(fixture('test-only-ed448-public.pem'))],
    ['an EC key for Ed25519', 'Ed25519', () => createPublicKey(fixture('test-only-ec-p256-public.pem'))],
    [
      'an RSA-PSS key restricted to SHA-512 for PS256',
      'PS256',
      () => createPublicKey(fixture('test-only-rsa-pss-sha512-public.pem')),
    ],
    [
      'an RSA-PSS key for RS256',
      'RS256',
      () => createPublicKey(fixture('test-only-rsa-pss-2048-public.pem')),
    ],
    ['a private key to verify', 'ES256', () => createPrivateKey(fixture('test-only-ec-p256-private.pem'))],
  ] as const)('%s', (_name, alg, key) => {
    expect(() => verifyBytes(alg, key(), 'a.b', Buffer.alloc(64))).toThrow(TypeError);
  });

  it('a public key to sign', () => {
    expect(() => signBytes('EdDSA', createPublicKey(fixture('test-only-ed25519-public.pem')), 'a.b')).toThrow(
      TypeError,
    );
  });
});

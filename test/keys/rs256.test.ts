import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuth, rs256, type KeyProvider, type RsaKeyInput } from '../../src/index.js';
import { b64, caught, fixedNow, fixture, modulusOf, NOW, SECRET } from '../helpers.js';

// Misuse from untyped callers (JavaScript, JSON config): the types would refuse these inputs.
const looseRs256 = rs256 as unknown as (options: unknown) => KeyProvider;

const publicPem = fixture('test-only-rsa-2048-public.pem');
const privatePem = fixture('test-only-rsa-2048-private.pem');
const publicPemB = fixture('test-only-rsa-2048-b-public.pem');
const privatePemB = fixture('test-only-rsa-2048-b-private.pem');
const public1024Pem = fixture('test-only-rsa-1024-public.pem');
const private1024Pem = fixture('test-only-rsa-1024-private.pem');
const ecPublicPem = fixture('test-only-ec-p256-public.pem');
const ecPrivatePem = fixture('test-only-ec-p256-private.pem');
const ed25519PublicPem = fixture('test-only-ed25519-public.pem');
const pssPublicPem = fixture('test-only-rsa-pss-2048-public.pem');

const publicObject = createPublicKey(publicPem);
const privateObject = createPrivateKey(privatePem);
const publicJwk = publicObject.export({ format: 'jwk' });
const privateJwk = privateObject.export({ format: 'jwk' });
const { n: expectedN, e: expectedE } = publicJwk;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Every piece of key text that must never appear in an error message. */
const keyMaterial: readonly string[] = [
  ...[
    publicPem,
    privatePem,
    publicPemB,
    privatePemB,
    public1024Pem,
    private1024Pem,
    ecPublicPem,
    ecPrivatePem,
    ed25519PublicPem,
    pssPublicPem,
  ]
    .flatMap((pem) => pem.split('\n'))
    .filter((line) => line.length >= 16 && !line.startsWith('-----')),
  ...[publicJwk.n, ...PRIVATE_MEMBERS.map((m) => privateJwk[m])].flatMap((v) =>
    typeof v === 'string' ? [v, v.slice(0, 24)] : [],
  ),
];

/** Asserts the exact error class and message, and that neither it nor its cause quotes key material. */
function expectRefused(
  fn: () => unknown,
  type: typeof TypeError | typeof RangeError,
  message: RegExp,
): Error {
  const err = caught(fn);
  expect(err.constructor).toBe(type);
  expect(err.message).toMatch(message);
  expect(err.message).toMatch(/^jwt-gate: /);
  const texts = [err.message, err.cause instanceof Error ? err.cause.message : String(err.cause ?? '')];
  for (const text of texts) for (const material of keyMaterial) expect(text).not.toContain(material);
  return err;
}

function segmentJson(token: string, index: 0 | 1): unknown {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}

const der = (key: KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8'): Buffer => key.export({ format: 'der', type });
const pkcs1Pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs1' }) as string;

const publicForms: ReadonlyArray<readonly [string, RsaKeyInput]> = [
  ['SPKI PEM string', publicPem],
  ['PKCS#1 PEM string', pkcs1Pem(publicObject)],
  ['PEM Buffer', Buffer.from(publicPem)],
  ['PEM plain Uint8Array', new Uint8Array(Buffer.from(publicPem))],
  ['SPKI DER Buffer', der(publicObject, 'spki')],
  ['PKCS#1 DER Buffer', der(publicObject, 'pkcs1')],
  ['JWK object', publicJwk],
  ['JWK object with extra public members', { ...publicJwk, alg: 'RS256', use: 'sig', kid: 'ignored' }],
  ['KeyObject', publicObject],
];

const privateForms: ReadonlyArray<readonly [string, RsaKeyInput]> = [
  ['PKCS#8 PEM string', privatePem],
  ['PKCS#1 PEM string', pkcs1Pem(privateObject)],
  ['PEM Buffer', Buffer.from(privatePem)],
  ['PKCS#8 DER Buffer', der(privateObject, 'pkcs8')],
  ['PKCS#1 DER Buffer', der(privateObject, 'pkcs1')],
  ['JWK object', privateJwk],
  ['KeyObject', privateObject],
];

const signer = (): KeyProvider => rs256({ privateKey: privatePem });

describe('rs256: accepted keys', () => {
  let tokenFromFixture: string;
  beforeAll(async () => {
    tokenFromFixture = await createAuth({ key: signer(), now: fixedNow }).issue({ sub: 'u1' });
  });

  it('the encodings under test are what their names say', () => {
    expect(pkcs1Pem(publicObject)).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/);
    expect(pkcs1Pem(privateObject)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(der(publicObject, 'spki').equals(der(publicObject, 'pkcs1'))).toBe(false);
    expect(der(privateObject, 'pkcs8').equals(der(privateObject, 'pkcs1'))).toBe(false);
    expect(Object.keys(privateJwk)).toEqual(expect.arrayContaining([...PRIVATE_MEMBERS]));
  });

  it.each(publicForms)(
    'publicKey as %s: verifies a token of the matching private key',
    async (_name, publicKey) => {
      const provider = rs256({ publicKey });
      expect(provider.algorithms).toStrictEqual(['RS256']);
      expect(modulusOf(provider.publicJwks?.()[0])).toBe(expectedN);
      await expect(
        createAuth({ key: provider, now: fixedNow }).verify(tokenFromFixture),
      ).resolves.toMatchObject({ sub: 'u1', iat: NOW });
    },
  );

  it.each(publicForms)(
    'publicKey as %s alone is verify-only: issue rejects with a TypeError',
    async (_name, publicKey) => {
      const provider = rs256({ publicKey });
      expect(provider.signingKey?.()).toBeUndefined();
      const issuing = createAuth({ key: provider, now: fixedNow }).issue({ sub: 'u1' });
      await expect(issuing).rejects.toThrow(TypeError);
      await expect(issuing).rejects.toThrow(/cannot sign/);
    },
  );

  it.each(privateForms)(
    'privateKey as %s alone: the public key is derived and the round trip works',
    async (_name, privateKey) => {
      const provider = rs256({ privateKey });
      expect(provider.algorithms).toStrictEqual(['RS256']);
      expect(modulusOf(provider.publicJwks?.()[0])).toBe(expectedN);
      const auth = createAuth({ key: provider, now: fixedNow });
      const token = await auth.issue({ sub: 'u2' });
      expect(segmentJson(token, 0)).toStrictEqual({ alg: 'RS256', typ: 'JWT' });
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'u2', iat: NOW });
      // Signed by exactly the fixture key: an independent verify-only provider accepts it.
      await expect(
        createAuth({ key: rs256({ publicKey: publicPem }), now: fixedNow }).verify(token),
      ).resolves.toMatchObject({ sub: 'u2' });
    },
  );

  it.each(privateForms)(
    'privateKey as %s with its publicKey as a KeyObject: accepted as a pair',
    async (_name, privateKey) => {
      const auth = createAuth({ key: rs256({ privateKey, publicKey: publicObject }), now: fixedNow });
      await expect(auth.verify(await auth.issue({ sub: 'u3' }))).resolves.toMatchObject({ sub: 'u3' });
    },
  );

  it('a token of another key pair is ERR_SIGNATURE_INVALID', async () => {
    const other = await createAuth({ key: rs256({ privateKey: privatePemB }), now: fixedNow }).issue({
      sub: 'u1',
    });
    await expect(
      createAuth({ key: rs256({ publicKey: publicPem }), now: fixedNow }).verify(other),
    ).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });
});

describe('rs256: refused keys', () => {
  it.each([
    ['1024-bit public PEM', { publicKey: public1024Pem }],
    ['1024-bit private PEM', { privateKey: private1024Pem }],
    ['1024-bit public KeyObject', { publicKey: createPublicKey(public1024Pem) }],
    ['1024-bit private JWK', { privateKey: createPrivateKey(private1024Pem).export({ format: 'jwk' }) }],
    ['1024-bit pair', { privateKey: private1024Pem, publicKey: public1024Pem }],
  ] as const)('%s: RangeError naming the 2048-bit minimum', (_name, options) => {
    expectRefused(() => looseRs256(options), RangeError, /at least 2048 bits \(this one has 1024\)/);
  });

  it.each([
    ['EC P-256 public PEM', { publicKey: ecPublicPem }, /must be an RSA key, not ec/],
    ['EC P-256 private PEM', { privateKey: ecPrivatePem }, /must be an RSA key, not ec/],
    [
      'EC P-256 public JWK',
      { publicKey: createPublicKey(ecPublicPem).export({ format: 'jwk' }) },
      /must be an RSA key, not ec/,
    ],
    ['Ed25519 public PEM', { publicKey: ed25519PublicPem }, /must be an RSA key, not ed25519/],
    [
      'Ed25519 public KeyObject',
      { publicKey: createPublicKey(ed25519PublicPem) },
      /must be an RSA key, not ed25519/,
    ],
    ['RSA-PSS public PEM', { publicKey: pssPublicPem }, /must be an RSA key, not rsa-pss/],
    [
      'a secret KeyObject as publicKey',
      { publicKey: createSecretKey(Buffer.from(SECRET)) },
      /publicKey must be an RSA public key/,
    ],
    [
      'a secret KeyObject as privateKey',
      { privateKey: createSecretKey(Buffer.from(SECRET)) },
      /privateKey must be an RSA private key/,
    ],
  ] as const)('%s: TypeError', (_name, options, message) => {
    expectRefused(() => looseRs256(options), TypeError, message);
  });

  const privateAsPublic: ReadonlyArray<readonly [string, unknown]> = [
    ['PKCS#8 PEM string', privatePem],
    ['PKCS#1 PEM string', pkcs1Pem(privateObject)],
    ['PEM Buffer', Buffer.from(privatePem)],
    ['PKCS#8 DER Buffer', der(privateObject, 'pkcs8')],
    ['PKCS#1 DER Buffer', der(privateObject, 'pkcs1')],
    ['JWK with d', privateJwk],
    ['KeyObject', privateObject],
  ];

  it.each(privateAsPublic)(
    'a private key as publicKey (%s): TypeError, not silently reduced to its public half',
    (_name, publicKey) => {
      expectRefused(
        () => looseRs256({ publicKey }),
        TypeError,
        /publicKey is a private (key|JWK); pass it as privateKey/,
      );
    },
  );

  it.each(privateAsPublic)(
    'a private key as publicKey (%s) beside its own privateKey: still a TypeError',
    (_name, publicKey) => {
      expectRefused(
        () => looseRs256({ privateKey: privatePem, publicKey }),
        TypeError,
        /publicKey is a private (key|JWK)/,
      );
    },
  );

  it.each([
    ['SPKI PEM string', publicPem],
    ['PEM Buffer', Buffer.from(publicPem)],
    ['SPKI DER Buffer', der(publicObject, 'spki')],
    ['PKCS#1 DER Buffer', der(publicObject, 'pkcs1')],
    ['JWK without d', publicJwk],
    ['KeyObject', publicObject],
  ] as const)('a public key as privateKey (%s): TypeError', (_name, privateKey) => {
    expectRefused(() => looseRs256({ privateKey }), TypeError, /^jwt-gate: rs256 privateKey /);
  });

  it('a mismatched pair (2048 private with 2048-b public): TypeError', () => {
    expectRefused(
      () => rs256({ privateKey: privatePem, publicKey: publicPemB }),
      TypeError,
      /publicKey does not belong to privateKey/,
    );
  });

  it.each([
    ['the pair in PEM', { privateKey: privatePemB, publicKey: publicPem }],
    ['the pair as KeyObjects', { privateKey: createPrivateKey(privatePemB), publicKey: publicObject }],
    [
      'the pair as JWKs',
      { privateKey: privateJwk, publicKey: createPublicKey(publicPemB).export({ format: 'jwk' }) },
    ],
  ] as const)('a mismatched pair as %s: TypeError', (_name, options) => {
    expectRefused(() => rs256(options), TypeError, /does not belong to privateKey/);
  });

  // Fixed bytes, not crypto.randomBytes: the run must not vary.
  const noise = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 73 + 41) & 0xff));
  const truncatedPem = publicPem.slice(0, publicPem.length >> 1) + '\n-----END PUBLIC KEY-----\n';
  const encryptedPem = privateObject.export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: 'test-only',
  }) as string;
  it.each([
    ['a garbage string as publicKey', { publicKey: 'not a key at all' }, /publicKey could not be imported/],
    [
      'a garbage string as privateKey',
      { privateKey: 'not a key at all' },
      /privateKey could not be imported/,
    ],
    ['an empty string', { publicKey: '' }, /publicKey could not be imported/],
    ['a truncated PEM', { publicKey: truncatedPem }, /publicKey could not be imported/],
    ['a truncated PEM Buffer', { publicKey: Buffer.from(truncatedPem) }, /publicKey could not be imported/],
    ['an encrypted private PEM', { privateKey: encryptedPem }, /encrypted PEM must be decrypted first/],
    ['random bytes as publicKey', { publicKey: noise }, /publicKey is not a DER-encoded RSA key/],
    ['random bytes as privateKey', { privateKey: noise }, /privateKey is not a DER-encoded RSA key/],
    ['empty bytes', { publicKey: new Uint8Array(0) }, /publicKey is not a DER-encoded RSA key/],
    ['a JWK missing e', { publicKey: { kty: 'RSA', n: expectedN } }, /publicKey could not be imported/],
    ['an oct JWK', { publicKey: { kty: 'oct', k: b64(SECRET) } }, /publicKey could not be imported/],
    ['a number', { publicKey: 42 }, /publicKey must be PEM, DER bytes, a JWK or a KeyObject/],
    ['null', { publicKey: null }, /publicKey must be PEM, DER bytes, a JWK or a KeyObject/],
  ] as const)('%s: TypeError', (_name, options, message) => {
    expectRefused(() => looseRs256(options), TypeError, message);
  });

  it.each([
    ['algorithm', { publicKey: publicPem, algorithm: 'RS256' }],
    ['publickey', { publickey: publicPem }],
    ['secret', { privateKey: privatePem, secret: SECRET }],
  ] as const)('unknown option "%s": TypeError naming it', (key, options) => {
    expectRefused(() => looseRs256(options), TypeError, new RegExp(`unknown rs256 option "${key}"`));
  });

  it.each([
    ['no key at all', {}, /needs a publicKey, a privateKey, or both/],
    ['null options', null, /needs \{ privateKey\?, publicKey\? \}/],
    ['a bare PEM instead of options', publicPem, /needs \{ privateKey\?, publicKey\? \}/],
    ['an empty kid', { publicKey: publicPem, kid: '' }, /"kid" must be a non-empty string/],
    ['a numeric kid', { publicKey: publicPem, kid: 1 }, /"kid" must be a non-empty string/],
  ] as const)('%s: TypeError', (_name, options, message) => {
    expectRefused(() => looseRs256(options), TypeError, message);
  });
});

describe('rs256: the published JWK', () => {
  const exactJwk = { kty: 'RSA', n: expectedN, e: expectedE, alg: 'RS256', use: 'sig' };

  it('the cross-check values are the fixture modulus and the usual exponent', () => {
    expect(expectedE).toBe('AQAB');
    expect(Buffer.from(expectedN ?? '', 'base64url').length).toBe(256);
  });

  it.each([
    ['publicKey only', () => rs256({ publicKey: publicPem })],
    ['privateKey only', () => rs256({ privateKey: privatePem })],
    ['privateKey as a JWK with every private member', () => rs256({ privateKey: privateJwk })],
    ['both keys', () => rs256({ privateKey: privateObject, publicKey: publicJwk })],
  ] as const)('%s: exactly { kty, n, e, alg, use }, no private member', (_name, make) => {
    const provider = make();
    const jwks = provider.publicJwks?.();
    expect(jwks).toStrictEqual([exactJwk]);
    for (const member of PRIVATE_MEMBERS) expect(Object.keys(jwks?.[0] ?? {})).not.toContain(member);
    const published = createAuth({ key: provider }).jwks();
    expect(published).toStrictEqual({ keys: [exactJwk] });
    const text = JSON.stringify(published);
    for (const member of PRIVATE_MEMBERS) {
      expect(text).not.toContain(`"${member}"`);
      expect(text).not.toContain(String(privateJwk[member]));
    }
  });

  it('with a kid, the kid is published too', () => {
    expect(createAuth({ key: rs256({ privateKey: privatePem, kid: 'k1' }) }).jwks()).toStrictEqual({
      keys: [{ ...exactJwk, kid: 'k1' }],
    });
  });

  it('the published n and e rebuild a key that verifies our tokens', async () => {
    const [jwk] = createAuth({ key: signer() }).jwks().keys;
    if (jwk?.kty !== 'RSA') throw new Error('expected an RSA JWK');
    const rebuilt = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    const token = await createAuth({ key: signer(), now: fixedNow }).issue({ sub: 'u1' });
    await expect(
      createAuth({ key: rs256({ publicKey: rebuilt }), now: fixedNow }).verify(token),
    ).resolves.toMatchObject({ sub: 'u1' });
  });
});

describe('rs256: kid and algorithm', () => {
  it('writes kid into the header; another kid on the verifier is ERR_KEY_NOT_FOUND', async () => {
    const token = await createAuth({ key: rs256({ privateKey: privatePem, kid: 'a' }), now: fixedNow }).issue(
      { sub: 'u1' },
    );
    expect(segmentJson(token, 0)).toStrictEqual({ alg: 'RS256', typ: 'JWT', kid: 'a' });
    const verifier = (kid: string) =>
      createAuth({ key: rs256({ publicKey: publicPem, kid }), now: fixedNow });
    await expect(verifier('a').verify(token)).resolves.toMatchObject({ sub: 'u1' });
    await expect(verifier('b').verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
  });

  it('an HS256 token signed with the public key PEM as the HMAC secret is ERR_ALG_NOT_ALLOWED', async () => {
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'admin', iat: NOW, exp: NOW + 60 })}`;
    const forged = `${signingInput}.${createHmac('sha256', publicPem).update(signingInput).digest('base64url')}`;
    await expect(
      createAuth({ key: rs256({ publicKey: publicPem }), now: fixedNow }).verify(forged),
    ).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('the provider is frozen: its algorithm list cannot be widened afterwards', () => {
    const provider = rs256({ publicKey: publicPem });
    expect(Object.isFrozen(provider)).toBe(true);
    expect(() => (provider.algorithms as string[]).push('HS256')).toThrow(TypeError);
    expect(provider.algorithms).toStrictEqual(['RS256']);
  });

  it('a JWK object passed in is not kept by reference: changing it afterwards changes nothing', () => {
    const jwk: JsonWebKey = { ...publicJwk };
    const provider = rs256({ publicKey: jwk });
    jwk.n = createPublicKey(publicPemB).export({ format: 'jwk' }).n ?? '';
    expect(modulusOf(provider.publicJwks?.()[0])).toBe(expectedN);
  });
});

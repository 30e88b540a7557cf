// es256, eddsa and ps256: one table of what every key-pair provider must do, then each one's own refusals.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  eddsa,
  es256,
  hs256,
  ps256,
  rs256,
  type KeyInput,
  type KeyPairProvider,
  type KeyProvider,
} from '../../src/index.js';
import { NOW, SECRET, b64, caught, fixedNow, fixture, handToken } from '../helpers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const der = (key: KeyObject): Buffer =>
  key.type === 'private'
    ? key.export({ format: 'der', type: 'pkcs8' })
    : key.export({ format: 'der', type: 'spki' });
const header = (token: string): unknown =>
  JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
const claims = { sub: 'u1', iat: NOW, exp: NOW + 60 };

interface Setup {
  readonly name: string;
  readonly provider: KeyPairProvider;
  readonly alg: string;
  readonly a: string;
  readonly b: string;
  /** The published JWK's members besides alg, use and kid. */
  readonly members: readonly string[];
  /** Whether Node exports this key type as a JWK. */
  readonly jwk: boolean;
  readonly wrongType: string;
}

const setups: readonly Setup[] = [
  {
    name: 'es256',
    provider: es256,
    alg: 'ES256',
    a: 'ec-p256',
    b: 'ec-p256-b',
    members: ['crv', 'kty', 'x', 'y'],
    jwk: true,
    wrongType: 'rsa-2048',
  },
  {
    name: 'eddsa',
    provider: eddsa,
    alg: 'EdDSA',
    a: 'ed25519',
    b: 'ed25519-b',
    members: ['crv', 'kty', 'x'],
    jwk: true,
    wrongType: 'ec-p256',
  },
  {
    name: 'ps256',
    provider: ps256,
    alg: 'PS256',
    a: 'rsa-pss-2048',
    b: 'rsa-2048',
    members: ['e', 'kty', 'n'],
    jwk: false,
    wrongType: 'ec-p256',
  },
];

function expectRefused(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: RegExp): void {
  const err = caught(fn);
  expect(err.constructor).toBe(type);
  expect(err.message).toMatch(/^jwt-gate: /);
  expect(err.message).toMatch(message);
}

describe.each(setups)('$name', ({ name, provider, alg, a, b, members, jwk, wrongType }) => {
  const privateA = createPrivateKey(pem(`${a}-private`));
  const publicA = createPublicKey(pem(`${a}-public`));
  const auth = (key: KeyProvider): ReturnType<typeof createAuth> => createAuth({ key, now: fixedNow });
  const loose = provider as unknown as (options: unknown) => KeyProvider;

  const publicForms: ReadonlyArray<readonly [string, KeyInput]> = [
    ['SPKI PEM string', pem(`${a}-public`)],
    ['PEM Buffer', Buffer.from(pem(`${a}-public`))],
    ['SPKI DER', der(publicA)],
    ['KeyObject', publicA],
    ...(jwk ? [['JWK', publicA.export({ format: 'jwk' })] as const] : []),
  ];
  const privateForms: ReadonlyArray<readonly [string, KeyInput]> = [
    ['PKCS#8 PEM string', pem(`${a}-private`)],
    ['PKCS#8 DER', der(privateA)],
    ['KeyObject', privateA],
    ...(jwk ? [['JWK', privateA.export({ format: 'jwk' })] as const] : []),
  ];

  it(`signs ${alg} tokens that name the algorithm, verified by the public key alone`, async () => {
    const token = await auth(provider({ privateKey: privateA, kid: 'k1' })).issue({ sub: 'u1' });
    expect(header(token)).toStrictEqual({ alg, typ: 'JWT', kid: 'k1' });
    await expect(auth(provider({ publicKey: publicA, kid: 'k1' })).verify(token)).resolves.toMatchObject({
      sub: 'u1',
      iat: NOW,
    });
  });

  it.each(publicForms)('publicKey as %s verifies; the provider is verify-only', async (_form, publicKey) => {
    const verifier = provider({ publicKey });
    expect(verifier.signingKey?.()).toBeUndefined();
    await expect(
      auth(verifier).verify(await auth(provider({ privateKey: privateA })).issue({ sub: 'v' })),
    ).resolves.toMatchObject({ sub: 'v' });
  });

  it.each(privateForms)(
    'privateKey as %s: the round trip works and the public key is derived',
    async (_form, privateKey) => {
      const signer = auth(provider({ privateKey }));
      await expect(signer.verify(await signer.issue({ sub: 'p' }))).resolves.toMatchObject({ sub: 'p' });
    },
  );

  it('a token of the other key pair is ERR_SIGNATURE_INVALID', async () => {
    const other = await auth(provider({ privateKey: pem(`${b}-private`) })).issue({ sub: 'x' });
    await expect(auth(provider({ publicKey: publicA })).verify(other)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it.each([
    ['an RS256 token', () => handToken({ alg: 'RS256' }, claims, { rsaPem: pem('rsa-2048-private') })],
    [
      'an HS256 token keyed with the public key PEM',
      () => handToken({ alg: 'HS256' }, claims, { hmac: pem(`${a}-public`) }),
    ],
    ['alg none', () => `${b64({ alg: 'none' })}.${b64(claims)}.`],
  ])('%s is ERR_ALG_NOT_ALLOWED', async (_name, token) => {
    await expect(auth(provider({ publicKey: publicA })).verify(token())).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('publishes exactly the public members with alg and use, never d', () => {
    const [published] = auth(provider({ privateKey: privateA, kid: 'k1' })).jwks().keys;
    expect(Object.keys(published ?? {}).sort()).toStrictEqual([...members, 'alg', 'kid', 'use'].sort());
    expect(published).toMatchObject({ alg, use: 'sig', kid: 'k1' });
    expect(JSON.stringify(published)).not.toContain('"d"');
    // The JWK rebuilds the key: Node reads it back as the same public key.
    const { alg: _alg, use: _use, kid: _kid, ...members_ } = published as unknown as Record<string, string>;
    expect(
      createPublicKey({ key: members_, format: 'jwk' }).export({ format: 'der', type: 'spki' }).length,
    ).toBeGreaterThan(0);
  });

  it.each([
    [
      'a private key as publicKey',
      { publicKey: pem(`${a}-private`) },
      /publicKey is a private key; pass it as privateKey/,
    ],
    ['private DER as publicKey', { publicKey: der(privateA) }, /publicKey is a private key/],
    [
      'a public key as privateKey',
      { privateKey: publicA },
      new RegExp(`^jwt-gate: ${name} privateKey must be an \\S+( P-256)? private key`),
    ],
    [
      'a mismatched pair',
      { privateKey: privateA, publicKey: pem(`${b}-public`) },
      /publicKey does not belong to privateKey/,
    ],
    ['a key of another type', { publicKey: pem(`${wrongType}-public`) }, /publicKey must be an .* key, not /],
    ['an HMAC secret', { publicKey: hs256(SECRET).keys?.[0]?.key }, /publicKey must be an .* public key/],
    ['garbage', { publicKey: 'not a key' }, /publicKey could not be imported/],
    ['random bytes', { privateKey: Buffer.alloc(40, 7) }, /privateKey is not a DER-encoded/],
    ['no key', {}, /needs a publicKey, a privateKey, or both/],
    [
      'an unknown option',
      { publicKey: publicA, algorithm: alg },
      new RegExp(`unknown ${name} option "algorithm"`),
    ],
    ['an empty kid', { publicKey: publicA, kid: '' }, /"kid" must be a non-empty string/],
  ] as const)('refuses %s with a TypeError at provider time', (_name, options, message) => {
    expectRefused(() => loose(options), TypeError, message);
  });

  it('keys of this algorithm are refused by rs256 and hs256', () => {
    if (alg !== 'PS256')
      expectRefused(() => rs256({ publicKey: publicA }), TypeError, /must be an RSA key, not/);
    expectRefused(() => hs256(pem(`${a}-public`)), TypeError, /PEM key/);
  });

  describe('fromFiles', () => {
    const dir = mkdtempSync(join(tmpdir(), `jwt-gate-${name}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`generates a ${alg} pair on first start and loads the same pair afterwards`, async () => {
      const keys = join(dir, 'keys');
      const first = provider.fromFiles({ dir: keys, kid: 'k1' });
      expect(statSync(join(keys, 'private.pem')).mode & 0o777).toBe(0o600);
      const written = readFileSync(join(keys, 'private.pem'), 'utf8');
      const token = await auth(first).issue({ sub: 'f' });
      expect(header(token)).toMatchObject({ alg, kid: 'k1' });
      await expect(auth(provider.fromFiles({ dir: keys, kid: 'k1' })).verify(token)).resolves.toMatchObject({
        sub: 'f',
      });
      expect(readFileSync(join(keys, 'private.pem'), 'utf8')).toBe(written);
    });

    it(`refuses the files of another algorithm's pair`, () => {
      const keys = join(dir, 'other');
      (alg === 'ES256' ? eddsa : es256).fromFiles({ dir: keys });
      expectRefused(() => provider.fromFiles({ dir: keys }), TypeError, /must be an .* key, not/);
    });
  });
});

describe('es256: the curve is P-256 and nothing else', () => {
  it.each([
    ['P-384', 'ec-p384'],
    ['secp256k1', 'ec-secp256k1'],
  ])('a %s key is a TypeError naming the curve', (_curve, name) => {
    expectRefused(
      () => es256({ publicKey: pem(`${name}-public`) }),
      TypeError,
      /es256 publicKey must be on curve P-256, not (secp384r1|secp256k1)/,
    );
  });

  it('a P-384 JWK labelled P-256 does not import', () => {
    const jwk = { ...createPublicKey(pem('ec-p384-public')).export({ format: 'jwk' }), crv: 'P-256' };
    expectRefused(() => es256({ publicKey: jwk }), TypeError, /could not be imported/);
  });
});

describe('eddsa: Ed25519 only, under either name', () => {
  it.each([
    ['Ed448', 'ed448', /not ed448/],
    ['X25519', 'x25519', /not x25519/],
  ])('an %s key is a TypeError', (_name, file, message) => {
    expectRefused(() => eddsa({ publicKey: pem(`${file}-public`) }), TypeError, message);
  });

  it('lists both names and verifies a token carrying either', async () => {
    const provider = eddsa({ publicKey: pem('ed25519-public') });
    expect(provider.algorithms).toStrictEqual(['EdDSA', 'Ed25519']);
    const signer = createAuth({ key: eddsa({ privateKey: pem('ed25519-private') }), now: fixedNow });
    const verifier = createAuth({ key: provider, now: fixedNow });
    const token = await signer.issue({ sub: 'e' });
    const renamed = await createAuth({
      key: eddsa({ privateKey: pem('ed25519-private'), alg: 'Ed25519' }),
      now: fixedNow,
    }).issue({ sub: 'r' });
    expect(header(renamed)).toMatchObject({ alg: 'Ed25519' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'e' });
    await expect(verifier.verify(renamed)).resolves.toMatchObject({ sub: 'r' });
  });

  it('alg "Ed25519" is written into tokens and the JWK; anything else is a TypeError', () => {
    const [jwk] = createAuth({ key: eddsa({ publicKey: pem('ed25519-public'), alg: 'Ed25519' }) }).jwks()
      .keys;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'Ed25519' });
    expectRefused(
      () => (eddsa as unknown as (o: unknown) => unknown)({ publicKey: pem('ed25519-public'), alg: 'Ed448' }),
      TypeError,
      /"alg" must be "EdDSA" or "Ed25519"/,
    );
  });
});

describe('ps256: RSA or RSA-PSS keys fit for PS256', () => {
  it.each([
    ['restricted to SHA-512', 'rsa-pss-sha512'],
    ['restricted to a 64-byte salt', 'rsa-pss-salt64'],
  ])('an RSA-PSS key %s is a TypeError', (_name, file) => {
    expectRefused(
      () => ps256({ publicKey: pem(`${file}-public`) }),
      TypeError,
      /restricted to other parameters than SHA-256/,
    );
  });

  it('a 1024-bit key is a RangeError', () => {
    expectRefused(
      () => ps256({ publicKey: pem('rsa-1024-public') }),
      RangeError,
      /at least 2048 bits \(this one has 1024\)/,
    );
  });

  it('an unrestricted RSA-PSS key and a plain RSA key are accepted', async () => {
    expect(ps256({ publicKey: pem('rsa-pss-unrestricted-public') }).algorithms).toStrictEqual(['PS256']);
    const plain = createAuth({ key: ps256({ privateKey: pem('rsa-2048-private') }), now: fixedNow });
    await expect(plain.verify(await plain.issue({ sub: 'p' }))).resolves.toMatchObject({ sub: 'p' });
  });

  it('the RSA-PSS key publishes n and e, which verify its tokens as a plain RSA key', async () => {
    const signer = createAuth({ key: ps256({ privateKey: pem('rsa-pss-2048-private') }), now: fixedNow });
    const [jwk] = signer.jwks().keys;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'PS256', e: 'AQAB' });
    const rebuilt = createPublicKey({ key: jwk as unknown as Record<string, string>, format: 'jwk' });
    expect(rebuilt.asymmetricKeyType).toBe('rsa');
    const verifier = createAuth({ key: ps256({ publicKey: rebuilt }), now: fixedNow });
    await expect(verifier.verify(await signer.issue({ sub: 'j' }))).resolves.toMatchObject({ sub: 'j' });
  });

  it('an RS256 signature by the same RSA key is not a PS256 signature, nor the other way round', async () => {
    const rsaPem = pem('rsa-2048-private');
    const rs = await createAuth({ key: rs256({ privateKey: rsaPem }), now: fixedNow }).issue({ sub: 'r' });
    const ps = await createAuth({ key: ps256({ privateKey: rsaPem }), now: fixedNow }).issue({ sub: 'p' });
    const relabel = (token: string, alg: string): string =>
      `${b64({ alg, typ: 'JWT' })}.${token.split('.').slice(1).join('.')}`;
    await expect(
      createAuth({ key: ps256({ privateKey: rsaPem }), now: fixedNow }).verify(relabel(rs, 'PS256')),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(
      createAuth({ key: rs256({ privateKey: rsaPem }), now: fixedNow }).verify(relabel(ps, 'RS256')),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });
});

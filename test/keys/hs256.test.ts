import { createHmac, createPrivateKey, createPublicKey, createSecretKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type KeyProvider } from '../../src/index.js';
import { b64, caught, fixedNow, fixture, NOW, SECRET } from '../helpers.js';

// Misuse from untyped callers (JavaScript, JSON config): the types would refuse these inputs.
const looseHs256 = hs256 as unknown as (input: unknown) => KeyProvider;

const rsaPublicPem = fixture('test-only-rsa-2048-public.pem');
const rsaPrivatePem = fixture('test-only-rsa-2048-private.pem');

function expectRefused(
  fn: () => unknown,
  type: typeof TypeError | typeof RangeError,
  message: RegExp,
): Error {
  const err = caught(fn);
  expect(err.constructor).toBe(type);
  expect(err.message).toMatch(message);
  return err;
}

function segmentJson(token: string, index: 0 | 1): unknown {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
}

/** The HMAC-SHA256 a token would carry if it was signed with exactly `key`. */
function expectSignedWith(token: string, key: Uint8Array): void {
  const lastDot = token.lastIndexOf('.');
  const expected = createHmac('sha256', key).update(token.slice(0, lastDot)).digest('base64url');
  expect(token.slice(lastDot + 1)).toBe(expected);
}

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');
const secretBytes = bytesOf(SECRET);

describe('hs256: accepted secrets', () => {
  const viewBacking = Buffer.concat([Buffer.from('PREFIX--'), secretBytes, Buffer.from('--SUFFIX')]);
  const view = new Uint8Array(viewBacking.buffer, viewBacking.byteOffset + 8, secretBytes.length);
  const exactly32 = 'k'.repeat(32);
  const accepted: ReadonlyArray<readonly [string, Parameters<typeof hs256>[0], Uint8Array]> = [
    ['a string secret', SECRET, secretBytes],
    ['a string of exactly 32 bytes', exactly32, bytesOf(exactly32)],
    ['16 two-byte characters (32 bytes, counted as bytes)', 'é'.repeat(16), bytesOf('é'.repeat(16))],
    ['11 three-byte characters (33 bytes)', '€'.repeat(11), bytesOf('€'.repeat(11))],
    ['a Buffer', Buffer.from(secretBytes), secretBytes],
    ['a plain Uint8Array', new Uint8Array(secretBytes), secretBytes],
    ['a Uint8Array view inside a larger buffer', view, secretBytes],
    ['a secret KeyObject', createSecretKey(secretBytes), secretBytes],
    ['{ secret } with a string', { secret: SECRET }, secretBytes],
    ['{ secret, kid } with bytes', { secret: Buffer.from(secretBytes), kid: 'k1' }, secretBytes],
    ['{ secret, kid } with a KeyObject', { secret: createSecretKey(secretBytes), kid: 'k1' }, secretBytes],
  ];

  it.each(accepted)(
    '%s: signs with exactly those bytes and verifies its own token',
    async (_name, input, bytes) => {
      const auth = createAuth({ key: hs256(input), now: fixedNow });
      const token = await auth.issue({ sub: 'u1' });
      expectSignedWith(token, bytes);
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'u1', iat: NOW, exp: NOW + 3600 });
    },
  );

  it('copies the secret: changing the caller buffer afterwards changes nothing', async () => {
    const bytes = Buffer.from(secretBytes);
    const auth = createAuth({ key: hs256(bytes), now: fixedNow });
    bytes.fill(0);
    const token = await auth.issue({ sub: 'u1' });
    expectSignedWith(token, secretBytes);
    await expect(createAuth({ key: hs256(SECRET), now: fixedNow }).verify(token)).resolves.toMatchObject({
      sub: 'u1',
    });
  });
});

describe('hs256: refused secrets', () => {
  const short = 'x'.repeat(31);
  // 10 three-byte characters and one ASCII: 11 characters, 31 bytes.
  const shortMultiByte = '€'.repeat(10) + 'a';
  const tooShort: ReadonlyArray<readonly [string, unknown]> = [
    ['a 31-byte string', short],
    ['a 31-byte string of 11 multi-byte characters', shortMultiByte],
    ['a 31-byte string of 16 characters', 'é'.repeat(15) + 'a'],
    ['an empty string', ''],
    ['a 31-byte Buffer', Buffer.alloc(31, 7)],
    ['a 31-byte Uint8Array', new Uint8Array(31).fill(7)],
    ['a 31-byte secret KeyObject', createSecretKey(Buffer.alloc(31, 7))],
    ['{ secret } with a 31-byte string', { secret: short }],
  ];

  it('the multi-byte row really is 31 bytes and fewer characters', () => {
    expect([shortMultiByte.length, Buffer.byteLength(shortMultiByte)]).toEqual([11, 31]);
  });

  it.each(tooShort)('%s: RangeError naming the 32-byte minimum', (_name, input) => {
    const err = expectRefused(() => looseHs256(input), RangeError, /at least 32 bytes/);
    if (typeof input === 'string' && input !== '') expect(err.message).not.toContain(input);
  });

  const pemBodyLines = (pem: string): string[] =>
    pem.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));

  const wrongType: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['the RSA public key PEM (algorithm confusion)', rsaPublicPem, /PEM/],
    ['the RSA private key PEM', rsaPrivatePem, /PEM/],
    ['{ secret } with the RSA public key PEM', { secret: rsaPublicPem }, /PEM/],
    ['a public KeyObject', createPublicKey(rsaPublicPem), /secret key, not an asymmetric one/],
    ['a private KeyObject', createPrivateKey(rsaPrivatePem), /secret key, not an asymmetric one/],
    ['null', null, /needs a secret/],
    ['a number', 42, /must be a string, bytes or a KeyObject/],
    // hs256(process.env.JWT_SECRET) with the variable unset: the message says what to look at.
    ['undefined', undefined, /^jwt-gate: hs256: the secret is undefined \(is JWT_SECRET set\?\)$/],
    [
      '{ secret: undefined }',
      { secret: undefined },
      /^jwt-gate: hs256: the secret is undefined \(is JWT_SECRET set\?\)$/,
    ],
    ['a boolean', true, /must be a string, bytes or a KeyObject/],
    ['an ArrayBuffer', new ArrayBuffer(64), /must be a string, bytes or a KeyObject/],
    ['{} (no secret)', {}, /must be a string, bytes or a KeyObject/],
    ['{ secret: null }', { secret: null }, /must be a string, bytes or a KeyObject/],
  ];

  it.each(wrongType)('%s: TypeError', (_name, input, message) => {
    const err = expectRefused(() => looseHs256(input), TypeError, message);
    for (const line of [...pemBodyLines(rsaPublicPem), ...pemBodyLines(rsaPrivatePem)])
      expect(err.message).not.toContain(line);
  });

  // `hs256(readFileSync('public.pem'))` (no encoding, the usual slip) would make the public key an HMAC secret.
  it('the RSA public key PEM as bytes (readFileSync without encoding): TypeError', () => {
    expectRefused(() => hs256(Buffer.from(rsaPublicPem)), TypeError, /PEM/);
  });

  it.each([
    ['kidd', { secret: SECRET, kidd: 'a' }],
    ['algorithm', { secret: SECRET, algorithm: 'HS512' }],
    ['Secret', { Secret: SECRET }],
  ] as const)('unknown option "%s": TypeError naming it', (key, options) => {
    expectRefused(() => looseHs256(options), TypeError, new RegExp(`unknown hs256 option "${key}"`));
  });

  it.each([
    ['an empty kid', ''],
    ['a numeric kid', 7],
    ['a null kid', null],
  ] as const)('%s: TypeError naming "kid"', (_name, kid) => {
    expectRefused(() => looseHs256({ secret: SECRET, kid }), TypeError, /"kid" must be a non-empty string/);
  });
});

describe('hs256: nothing is published', () => {
  it.each([
    ['a bare secret', () => hs256(SECRET)],
    ['{ secret, kid }', () => hs256({ secret: SECRET, kid: 'a' })],
  ] as const)('%s: algorithms is exactly [HS256], publicJwks and the JWK Set are empty', (_name, make) => {
    const provider = make();
    expect(provider.algorithms).toStrictEqual(['HS256']);
    expect(provider.publicJwks?.()).toStrictEqual([]);
    const jwks = createAuth({ key: provider }).jwks();
    expect(jwks).toStrictEqual({ keys: [] });
    expect(JSON.stringify(jwks)).not.toContain(b64(SECRET));
  });

  it('the provider is frozen: its algorithm list cannot be widened afterwards', () => {
    const provider = hs256(SECRET);
    expect(Object.isFrozen(provider)).toBe(true);
    expect(Object.isFrozen(provider.algorithms)).toBe(true);
    expect(() => (provider.algorithms as string[]).push('RS256')).toThrow(TypeError);
    expect(provider.algorithms).toStrictEqual(['HS256']);
  });
});

describe('hs256: kid and verification', () => {
  const authWith = (kid?: string) =>
    createAuth({ key: hs256(kid === undefined ? SECRET : { secret: SECRET, kid }), now: fixedNow });

  it('writes kid into the issued header', async () => {
    const token = await authWith('a').issue({ sub: 'u1' });
    expect(segmentJson(token, 0)).toStrictEqual({ alg: 'HS256', typ: 'JWT', kid: 'a' });
  });

  it('writes no kid when none is configured', async () => {
    const token = await authWith().issue({ sub: 'u1' });
    expect(segmentJson(token, 0)).toStrictEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('a token with kid "a" is refused by the same secret under kid "b" (ERR_KEY_NOT_FOUND)', async () => {
    const token = await authWith('a').issue({ sub: 'u1' });
    await expect(authWith('a').verify(token)).resolves.toMatchObject({ sub: 'u1' });
    await expect(authWith('b').verify(token)).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
      status: 401,
    });
  });

  it('a token naming no kid is checked against the single key', async () => {
    const token = await authWith().issue({ sub: 'u1' });
    await expect(authWith('a').verify(token)).resolves.toMatchObject({ sub: 'u1' });
  });

  it('issue with an unknown kid override is refused with a TypeError', async () => {
    await expect(authWith('a').issue({ sub: 'u1' }, { kid: 'b' })).rejects.toThrow(TypeError);
    await expect(authWith('a').issue({ sub: 'u1' }, { kid: 'b' })).rejects.toThrow(
      /no signing key with kid "b"/,
    );
  });

  it('a token signed with another secret is ERR_SIGNATURE_INVALID', async () => {
    const other = createAuth({ key: hs256('another-test-only-secret-of-32-bytes!!'), now: fixedNow });
    const token = await other.issue({ sub: 'u1' });
    await expect(authWith().verify(token)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });

  it('an RS256 token is refused before any crypto (ERR_ALG_NOT_ALLOWED)', async () => {
    const signingInput = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'u1', iat: NOW, exp: NOW + 60 })}`;
    const signature = sign('sha256', Buffer.from(signingInput), createPrivateKey(rsaPrivatePem)).toString(
      'base64url',
    );
    await expect(authWith().verify(`${signingInput}.${signature}`)).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });
});

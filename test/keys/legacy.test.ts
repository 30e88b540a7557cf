// Tokens of older systems: HS384/HS512 and RS384/RS512 as explicit opt-ins, one algorithm per key,
// and one named legacy key for tokens that name no key. Never every key.
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, keySet, rs256, type Claims } from '../../src/index.js';
import { NOW, fixedNow, fixture } from '../helpers.js';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims: Claims = { sub: 'legacy-user', iat: NOW, exp: NOW + 600 };
const hmacToken = (alg: string, hash: string, secret: string, header: object = {}): string => {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
};
const rsaToken = (alg: string, hash: string, pem: string): string => {
  const input = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${sign(hash, Buffer.from(input), createPrivateKey(pem)).toString('base64url')}`;
};
const S48 = 'legacy-secret-of-forty-eight-bytes-0123456789abc';
const S64 = 'legacy-secret-of-sixty-four-bytes-0123456789abcdefghijklmnopqrstu';
const rsaPem = fixture('test-only-rsa-2048-private.pem');

describe('HS384 and HS512', () => {
  it.each([
    ['HS384', 'sha384', S48],
    ['HS512', 'sha512', S64],
  ] as const)(
    '%s: verified when the provider opts in, and signed with it; refused everywhere else',
    async (alg, hash, secret) => {
      const legacy = createAuth({ key: hs256({ secret, alg }), now: fixedNow, store: false });
      await expect(legacy.verify(hmacToken(alg, hash, secret))).resolves.toMatchObject({
        sub: 'legacy-user',
      });
      const issued = await legacy.issue({ sub: 'x' });
      expect(JSON.parse(Buffer.from(issued.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg });
      // One algorithm per key: the same secret's HS256 token is refused, and a default provider refuses the legacy one.
      await expect(legacy.verify(hmacToken('HS256', 'sha256', secret))).rejects.toMatchObject({
        code: 'ERR_ALG_NOT_ALLOWED',
      });
      await expect(
        createAuth({ key: hs256(secret), now: fixedNow }).verify(hmacToken(alg, hash, secret)),
      ).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    },
  );

  it('a secret shorter than the hash is refused at start-up (RFC 7518 §3.2)', () => {
    expect(() => hs256({ secret: S48.slice(0, 47), alg: 'HS384' })).toThrow(
      /an HS384 secret must be at least 48 bytes/,
    );
    expect(() => hs256({ secret: S48, alg: 'HS512' })).toThrow(/an HS512 secret must be at least 64 bytes/);
    expect(() => hs256({ secret: S64, alg: 'HS1024' as never })).toThrow(
      /"alg" must be HS256, HS384 or HS512/,
    );
  });
});

describe('RS384 and RS512', () => {
  it.each([
    ['RS384', 'sha384'],
    ['RS512', 'sha512'],
  ] as const)('%s: verified when the provider opts in; an RS256 key refuses it', async (alg, hash) => {
    const legacy = createAuth({ key: rs256({ privateKey: rsaPem, alg }), now: fixedNow, store: false });
    await expect(legacy.verify(rsaToken(alg, hash, rsaPem))).resolves.toMatchObject({ sub: 'legacy-user' });
    await expect(legacy.verify(rsaToken('RS256', 'sha256', rsaPem))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
    await expect(
      createAuth({ key: rs256({ privateKey: rsaPem }), now: fixedNow }).verify(rsaToken(alg, hash, rsaPem)),
    ).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
    expect(legacy.jwks().keys[0]).toMatchObject({ kty: 'RSA', alg });
  });
});

describe('keySet with a legacy key for tokens that name none', () => {
  const active = hs256({ secret: 'the-active-secret-0123456789abcdef-0123', kid: 'now' });
  const old = hs256({ secret: S64, kid: 'old', alg: 'HS512' });
  const other = hs256({ secret: 'a-third-secret-0123456789abcdef-012345678', kid: 'other' });
  const auth = createAuth({
    key: keySet([active, old, other], { active: 'now', legacy: 'old' }),
    now: fixedNow,
    store: false,
  });

  it('a kid-less token of the legacy key verifies; the active key still signs and verifies', async () => {
    await expect(auth.verify(hmacToken('HS512', 'sha512', S64))).resolves.toMatchObject({
      sub: 'legacy-user',
    });
    await expect(auth.verify(await auth.issue({ sub: 'new' }))).resolves.toMatchObject({ sub: 'new' });
  });

  it('never a third key: a kid-less token of another key in the set is refused', async () => {
    await expect(
      auth.verify(hmacToken('HS256', 'sha256', 'a-third-secret-0123456789abcdef-012345678')),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    // Named by its kid, it verifies as before.
    await expect(
      auth.verify(
        hmacToken('HS256', 'sha256', 'a-third-secret-0123456789abcdef-012345678', { kid: 'other' }),
      ),
    ).resolves.toMatchObject({ sub: 'legacy-user' });
  });

  it('a token that names a kid is checked against that key alone', async () => {
    await expect(auth.verify(hmacToken('HS512', 'sha512', S64, { kid: 'now' }))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
    await expect(auth.verify(hmacToken('HS512', 'sha512', `${S64}-forged`))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it('legacy must name another key of the set', () => {
    expect(() => keySet([active, old], { active: 'now', legacy: 'now' })).toThrow(/"legacy"/);
    expect(() => keySet([active, old], { active: 'now', legacy: 'gone' })).toThrow(/"legacy"/);
  });
});

describe("keySet with several legacy keys: koa-jwt's secret: [a, b, c]", () => {
  const A = 'the-active-secret-0123456789abcdef-0123';
  const B = 'the-b-secret-0123456789abcdef-0123456789';
  const C = 'the-c-secret-0123456789abcdef-0123456789';
  const D = 'the-d-secret-0123456789abcdef-0123456789';
  const members = [A, B, C, D].map((secret, i) => hs256({ secret, kid: 'abcd'[i] as string }));
  const auth = createAuth({
    key: keySet(members, { active: 'a', legacy: ['b', 'c'] }),
    now: fixedNow,
    store: false,
  });

  it('a kid-less token of the active key or of any legacy key verifies; the active key signs', async () => {
    for (const secret of [A, B, C])
      await expect(auth.verify(hmacToken('HS256', 'sha256', secret))).resolves.toMatchObject({
        sub: 'legacy-user',
      });
    const issued = await auth.issue({ sub: 'new' });
    expect(JSON.parse(Buffer.from(issued.split('.')[0]!, 'base64url').toString())).toMatchObject({
      kid: 'a',
    });
  });

  it('only the keys listed: a kid-less token of a key in the set but not listed is refused', async () => {
    await expect(auth.verify(hmacToken('HS256', 'sha256', D))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(auth.verify(hmacToken('HS256', 'sha256', D, { kid: 'd' }))).resolves.toMatchObject({
      sub: 'legacy-user',
    });
  });

  it('a token that names a kid never falls back to the legacy keys', async () => {
    await expect(auth.verify(hmacToken('HS256', 'sha256', B, { kid: 'a' }))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it('a legacy token found in the cache still needs its key listed', async () => {
    const cached = createAuth({
      key: keySet(members, { active: 'a', legacy: ['b', 'c'] }),
      now: fixedNow,
      store: false,
    });
    const token = hmacToken('HS256', 'sha256', C);
    await expect(cached.verify(token)).resolves.toMatchObject({ sub: 'legacy-user' });
    await expect(cached.verify(token)).resolves.toMatchObject({ sub: 'legacy-user' });
  });

  it.each([
    [['a'], 'the active key'],
    [['b', 'b'], 'a kid twice'],
    [['b', 'gone'], 'a kid not in the set'],
    [[], 'no kid at all'],
    [[7], 'a kid that is no string'],
  ] as const)('legacy %j is refused at start-up: %s', (legacy, _why) => {
    expect(() => keySet(members, { active: 'a', legacy: legacy as never })).toThrow(/"legacy"/);
  });
});

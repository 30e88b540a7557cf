// The cache is indexed by a token's last 32 characters: forgeries that share them never get the cached claims.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, rs256 } from '../../src/index.js';
import { SECRET, b64, countingProvider, fixedNow, fixture, handToken } from '../helpers.js';
import { claims, good, options, pair, verdict } from '../support/cache.js';

describe('tokens that share the cached token’s last 32 characters', () => {
  const [header, payload, signature] = good.split('.') as [string, string, string];

  it('another header or payload behind the cached signature is ERR_SIGNATURE_INVALID, never the cached claims', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider }));
    await expect(auth.verify(good)).resolves.toMatchObject({ role: 'member' });
    const forgeries = [
      `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`,
      `${header}.${b64({ ...claims, sub: 'admin' })}.${signature}`,
      `${b64({ alg: 'HS256', typ: 'JWT', x: 1 })}.${payload}.${signature}`,
      `${b64({ alg: 'HS256' })}.${payload}.${signature}`,
      // Another signature that ends with the same 32 characters.
      `${header}.${payload}.${'A'.repeat(signature.length - 32)}${signature.slice(-32)}`,
      `${header}.${payload}.${'B'.repeat(signature.length - 32)}${signature.slice(-32)}`,
    ];
    for (const forged of forgeries) {
      expect(forged.slice(-32)).toBe(good.slice(-32));
      expect(forged).not.toBe(good);
      for (let i = 0; i < 2; i++)
        await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    }
    // The cached entry is untouched: still a hit, still its own claims.
    const before = reads();
    await expect(auth.verify(good)).resolves.toMatchObject({ role: 'member', sub: 'user-1' });
    expect(reads()).toBe(before);
  });

  it('a longer signature ending in the cached one, or extra segments, is refused the same as without a cache', async () => {
    const { cached, plain } = pair();
    await cached.verify(good);
    for (const forged of [
      `${header}.${payload}.AAAA${signature}`,
      `${header}.${payload}.${signature.slice(4)}`,
      `${header}.${payload}.x.${signature}`,
      `x${good}`,
      ` ${good}`,
      `${good} `,
    ]) {
      const v = await verdict(cached.verify(forged));
      expect(v).not.toBe('ok');
      expect(v).toBe(await verdict(plain.verify(forged)));
    }
  });

  it('RS256: a cached signature never vouches for another payload', async () => {
    const pem = fixture('test-only-rsa-2048-private.pem');
    const auth = createAuth({
      key: rs256({ publicKey: fixture('test-only-rsa-2048-public.pem') }),
      now: fixedNow,
      store: false,
    });
    const token = handToken({ alg: 'RS256', typ: 'JWT' }, claims, { rsaPem: pem });
    const [h, , s] = token.split('.') as [string, string, string];
    await auth.verify(token);
    await auth.verify(token);
    await expect(auth.verify(`${h}.${b64({ ...claims, role: 'admin' })}.${s}`)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(auth.verify(token)).resolves.toMatchObject({ role: 'member' });
  });
});

// A tiny guard against a silent change of HMAC keys in the helpers the tests above rely on.
it('the forged tokens above are refused because of their signatures, not their shape', () => {
  const [h, p] = good.split('.') as [string, string];
  expect(createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')).toBe(good.split('.')[2]);
});

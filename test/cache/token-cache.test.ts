import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type AuthOptions } from '../../src/index.js';
import { TokenCache } from '../../src/token/cache.js';
import { NOW, SECRET, b64, countingProvider, fixedNow, handToken } from '../helpers.js';

// Tokens long enough to be cached (the index is their last 32 characters), distinct by prefix or tail.
const token = (n: number, tail = 'signature-tail-of-32-characters!'): string => `header.payload-${n}.${tail}`;

describe('TokenCache', () => {
  it('finds exactly the token it stored', () => {
    const cache = new TokenCache<string>({ max: 10 });
    cache.set(token(1), 'one', { expires: NOW + 60 }, NOW);
    expect(cache.get(token(1), NOW)).toBe('one');
    // Same signature tail, another token: matched on the whole token, so a miss.
    expect(cache.get(token(2), NOW)).toBeUndefined();
    expect(cache.get(`${token(1)}x`, NOW)).toBeUndefined();
    expect(cache.get(token(1).slice(1), NOW)).toBeUndefined();
  });

  it('serves an entry only inside its window, and drops it at expires', () => {
    const cache = new TokenCache<string>({ max: 10 });
    cache.set(token(1), 'one', { expires: NOW + 60, notBefore: NOW - 5 }, NOW);
    expect(cache.get(token(1), NOW - 6)).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get(token(1), NOW - 5)).toBe('one');
    expect(cache.get(token(1), NOW + 59.999)).toBe('one');
    expect(cache.get(token(1), NOW + 60)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses what it must not hold: expired, too long, too short, or a window that is not numbers', () => {
    const cache = new TokenCache<string>({ max: 10, maxTokenLength: 64 });
    cache.set(token(1), 'expired', { expires: NOW }, NOW);
    cache.set(`${'x'.repeat(40)}${token(2)}`, 'too long', { expires: NOW + 60 }, NOW);
    cache.set('a.b.c', 'too short to index', { expires: NOW + 60 }, NOW);
    cache.set(token(3), 'no expiry', { expires: Number.NaN }, NOW);
    cache.set(token(4), 'no expiry', { expires: '9999999999' as unknown as number }, NOW);
    cache.set(token(5), 'bad nbf', { expires: NOW + 60, notBefore: Number.NaN }, NOW);
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry, never holding more than max', () => {
    const cache = new TokenCache<number>({ max: 3 });
    const tail = (n: number): string => `tail-${String(n).padStart(27, '0')}`;
    for (const n of [1, 2, 3]) cache.set(token(n, tail(n)), n, { expires: NOW + 60 }, NOW);
    expect(cache.get(token(1, tail(1)), NOW)).toBe(1); // 1 is now the most recent
    cache.set(token(4, tail(4)), 4, { expires: NOW + 60 }, NOW);
    expect(cache.get(token(2, tail(2)), NOW)).toBeUndefined();
    expect([1, 3, 4].map((n) => cache.get(token(n, tail(n)), NOW))).toEqual([1, 3, 4]);
    for (let n = 5; n < 1000; n++) cache.set(token(n, tail(n)), n, { expires: NOW + 60 }, NOW);
    expect(cache.size).toBe(3);
    expect([997, 998, 999].map((n) => cache.get(token(n, tail(n)), NOW))).toEqual([997, 998, 999]);
  });

  it('replaces an entry in place, and forgets on delete and clear', () => {
    const cache = new TokenCache<string>({ max: 2 });
    cache.set(token(1), 'old', { expires: NOW + 60 }, NOW);
    cache.set(token(1), 'new', { expires: NOW + 30 }, NOW);
    expect(cache.size).toBe(1);
    expect(cache.get(token(1), NOW)).toBe('new');
    expect(cache.get(token(1), NOW + 30)).toBeUndefined();
    cache.set(token(1), 'again', { expires: NOW + 60 }, NOW);
    cache.delete(token(2));
    expect(cache.size).toBe(1);
    cache.delete(token(1));
    expect(cache.get(token(1), NOW)).toBeUndefined();
    cache.set(token(1), 'again', { expires: NOW + 60 }, NOW);
    cache.clear();
    expect(cache.size).toBe(0);
    cache.set(token(1), 'after clear', { expires: NOW + 60 }, NOW);
    expect(cache.get(token(1), NOW)).toBe('after clear');
  });

  it.each([
    ['no options', undefined],
    ['max 0', { max: 0 }],
    ['max 1.5', { max: 1.5 }],
    ['max as text', { max: '10' }],
    ['maxTokenLength 0', { max: 10, maxTokenLength: 0 }],
  ])('refuses %s at construction', (_name, options) => {
    expect(() => new TokenCache(options as never)).toThrow(TypeError);
  });
});

describe('createAuth({ cache })', () => {
  const claims = { sub: 'user-1', role: 'member', aud: ['api', 'other'], iat: NOW - 10, exp: NOW + 60 };
  const good = handToken({ alg: 'HS256', typ: 'JWT' }, claims, { hmac: SECRET });
  const cached = (options: Partial<AuthOptions> = {}): ReturnType<typeof createAuth> =>
    createAuth({
      key: hs256(SECRET),
      clockTolerance: 0,
      now: fixedNow,
      store: false,
      cache: { max: 10 },
      ...options,
    });

  it('verifies a repeated token once, and gives every caller its own equal claims', async () => {
    const { provider, reads } = countingProvider();
    const auth = cached({ key: provider });
    const first = await auth.verify(good);
    const second = await auth.verify(good);
    expect(reads()).toBe(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second.aud).not.toBe(first.aud);
    (second as Record<string, unknown>).role = 'admin';
    (second.aud as string[]).push('evil');
    expect(await auth.verify(good)).toEqual(claims);
  });

  it('is on by default, and cache: false verifies every time', async () => {
    const on = countingProvider();
    const byDefault = createAuth({ key: on.provider, now: fixedNow, store: false });
    for (let i = 0; i < 3; i++) await byDefault.verify(good);
    expect(on.reads()).toBe(1);
    const off = countingProvider();
    const without = createAuth({ key: off.provider, now: fixedNow, store: false, cache: false });
    for (let i = 0; i < 3; i++) await without.verify(good);
    expect(off.reads()).toBe(3);
  });

  it('gives each hit its own copy of nested claims, parsed again', async () => {
    const nested = handToken(
      { alg: 'HS256' },
      { ...claims, profile: { name: 'Ada', tags: ['a'] } },
      { hmac: SECRET },
    );
    const { provider, reads } = countingProvider();
    const auth = cached({ key: provider });
    const first = await auth.verify(nested);
    (first.profile as { name: string }).name = 'Mallory';
    const second = await auth.verify(nested);
    expect(reads()).toBe(1);
    expect(second.profile).toEqual({ name: 'Ada', tags: ['a'] });
  });

  it('never keeps a token it refused, nor one without exp', async () => {
    const { provider, reads } = countingProvider();
    const auth = cached({ key: provider, requireExp: false });
    const refreshTyped = handToken({ alg: 'HS256', typ: 'refresh+jwt' }, claims, { hmac: SECRET });
    const noExp = handToken({ alg: 'HS256' }, { sub: 'user-1' }, { hmac: SECRET });
    for (let i = 0; i < 2; i++) {
      await expect(auth.verify(refreshTyped)).rejects.toMatchObject({
        code: 'ERR_CLAIM_INVALID',
        claim: 'typ',
      });
      await expect(auth.verify(noExp)).resolves.toMatchObject({ sub: 'user-1' });
    }
    expect(reads()).toBe(4);
  });

  it('checks the clock on every hit: exp, nbf, iat and maxTokenAge', async () => {
    let now = NOW * 1000;
    const withNbf = handToken({ alg: 'HS256' }, { ...claims, nbf: NOW - 1 }, { hmac: SECRET });
    const auth = cached({ now: () => now, maxTokenAge: 40 });
    await auth.verify(good);
    await auth.verify(withNbf);
    now = (NOW + 25) * 1000;
    await expect(auth.verify(good)).resolves.toMatchObject({ sub: 'user-1' });
    now = (NOW + 31) * 1000; // iat + maxTokenAge passed, exp not yet
    await expect(auth.verify(good)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    now = (NOW - 2) * 1000; // a clock set back, before nbf
    await expect(auth.verify(withNbf)).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_YET_VALID' });
    now = (NOW + 60) * 1000;
    await expect(cached({ now: () => now }).verify(good)).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
  });

  it('asks isRevoked and the store on every hit', async () => {
    let revoked = false;
    let asked = 0;
    const auth = cached({ isRevoked: () => (asked++, revoked) });
    await auth.verify(good);
    await auth.verify(good);
    revoked = true;
    await expect(auth.verify(good)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(asked).toBe(3);
    const withStore = createAuth({ key: hs256(SECRET), now: fixedNow, cache: { max: 10 } });
    const withJti = handToken({ alg: 'HS256' }, { ...claims, jti: 'j-2' }, { hmac: SECRET });
    const jtiClaims = await withStore.verify(withJti);
    await withStore.verify(withJti);
    await withStore.revoke(jtiClaims);
    await expect(withStore.verify(withJti)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it('ends an entry when the provider no longer answers with the key that verified it', async () => {
    const { provider, reads, set } = countingProvider();
    const auth = cached({ key: provider });
    await auth.verify(good);
    set(undefined);
    await expect(auth.verify(good)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    expect(reads()).toBe(1);
  });

  it('never lets a cached signature vouch for another header or payload', async () => {
    const auth = cached();
    await auth.verify(good);
    const [header, , signature] = good.split('.');
    const otherPayload = `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`;
    const otherHeader = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${good.split('.')[1]}.${signature}`;
    await expect(auth.verify(otherPayload)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    await expect(auth.verify(otherHeader)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    const tag = createHmac('sha256', 'another-secret-of-32-bytes-or-more!!')
      .update(`${header}.${good.split('.')[1]}`)
      .digest('base64url');
    await expect(auth.verify(`${header}.${good.split('.')[1]}.${tag}`)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(auth.verify(good)).resolves.toMatchObject({ role: 'member' });
  });

  it('gives the same verdict as no cache for the same tokens, in the same order', async () => {
    let now = NOW * 1000;
    const tokens = [
      good,
      `${good}x`,
      good.replace(/.$/, 'A'),
      handToken({ alg: 'HS256' }, { ...claims, exp: NOW + 5 }, { hmac: SECRET }),
    ];
    const withCache = cached({ now: () => now });
    const without = createAuth({
      key: hs256(SECRET),
      clockTolerance: 0,
      now: () => now,
      store: false,
      cache: false,
    });
    const verdict = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as { code?: string }).code ?? 'error',
      );
    for (const at of [NOW, NOW + 1, NOW + 5, NOW + 4, NOW + 60]) {
      now = at * 1000;
      for (const t of [...tokens, ...tokens])
        expect(await verdict(withCache.verify(t))).toBe(await verdict(without.verify(t)));
    }
  });
});

// What the cache never holds: refresh tokens, tokens without a numeric exp, and refused tokens.
import { describe, expect, it } from 'vitest';
import { AuthError, createAuth } from '../../src/index.js';
import { NOW, NOW_MS, OTHER_SECRET, countingProvider } from '../helpers.js';
import { claims, good, hsToken, options } from '../support/cache.js';

describe('what must never be cached', () => {
  it('refresh tokens are verified in full every time, and a reused one is refused', async () => {
    const { provider, reads } = countingProvider();
    let clock = NOW_MS + 500;
    const auth = createAuth({ key: provider, now: () => clock, refresh: { expiresIn: '30d' } });
    const { cookies } = await auth.startSession({ sub: 'user-1' });
    const refreshCookie = cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;
    const access = cookies
      .find((c) => c.startsWith('jwt='))!
      .split(';')[0]!
      .slice('jwt='.length);
    const rt = refreshCookie.slice('jwt-refresh='.length);
    const req = { headers: { cookie: refreshCookie } };
    let before = reads();
    await expect(auth.refresh(req)).resolves.toMatchObject({ token: expect.any(String) });
    expect(reads()).toBe(before + 1);
    before = reads();
    await expect(auth.refresh(req)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(reads()).toBe(before + 1);
    // A refresh token is never an access token, cached or not, and the other way round.
    for (let i = 0; i < 2; i++)
      await expect(auth.verify(rt)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'typ' });
    clock += 10;
    await expect(auth.verify(access)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' }); // the reuse ended the login
    const fresh = await auth.startSession({ sub: 'user-2' });
    const freshAccess = fresh.token;
    await auth.verify(freshAccess);
    await auth.verify(freshAccess);
    await expect(auth.refresh({ headers: { cookie: `jwt-refresh=${freshAccess}` } })).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'typ',
    });
  });

  it('tokens without a numeric exp are verified in full every time', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider, requireExp: false }));
    const noExp = hsToken({ sub: 'u' });
    const textExp = hsToken({ sub: 'u', exp: String(NOW + 60) });
    for (let i = 0; i < 3; i++) {
      await expect(auth.verify(noExp)).resolves.toMatchObject({ sub: 'u' });
      await expect(auth.verify(textExp)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'exp' });
    }
    expect(reads()).toBe(6);
  });

  it('refused tokens (bad signature, wrong audience, expired) never enter the cache nor push a good one out', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider, audience: 'api', cache: { max: 2 } }));
    await auth.verify(good);
    const refused = [
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}` }, undefined, OTHER_SECRET)),
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}`, aud: 'other' })),
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}`, exp: NOW - 1 })),
    ];
    let before = reads();
    for (const token of [...refused, ...refused])
      await expect(auth.verify(token)).rejects.toBeInstanceOf(AuthError);
    expect(reads()).toBe(before + refused.length * 2);
    before = reads();
    await auth.verify(good);
    expect(reads()).toBe(before);
  });
});

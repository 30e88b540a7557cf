// The cache is per Auth instance: a hit is judged by this instance's own issuer, audience, clock and rules.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256 } from '../../src/index.js';
import { NOW_MS, SECRET, fixedNow } from '../helpers.js';
import { claims, good, hsToken } from '../support/cache.js';

describe('two Auth instances', () => {
  it('a token cached by one instance is judged by the other one’s own issuer, audience and clock', async () => {
    const key = hs256(SECRET);
    const a = createAuth({ key, issuer: 'https://a.test', audience: 'api-a', now: fixedNow, store: false });
    const b = createAuth({ key, issuer: 'https://b.test', audience: 'api-b', now: fixedNow, store: false });
    const later = createAuth({
      key,
      issuer: 'https://a.test',
      audience: 'api-a',
      now: () => NOW_MS + 7200_000,
      store: false,
    });
    const forA = hsToken({ ...claims, iss: 'https://a.test', aud: 'api-a' });
    for (let i = 0; i < 3; i++) {
      await expect(a.verify(forA)).resolves.toMatchObject({ iss: 'https://a.test' });
      await expect(b.verify(forA)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'iss' });
      await expect(later.verify(forA)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    }
    // Same issuer, other audience: refused even right after the first instance's hit.
    const c = createAuth({ key, issuer: 'https://a.test', audience: 'api-c', now: fixedNow, store: false });
    await expect(a.verify(forA)).resolves.toBeDefined();
    await expect(c.verify(forA)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'aud' });
  });

  it('subject and requiredClaims are rechecked per instance on a hit', async () => {
    const key = hs256(SECRET);
    const open = createAuth({ key, now: fixedNow, store: false });
    const strict = createAuth({
      key,
      now: fixedNow,
      store: false,
      subject: 'user-2',
      requiredClaims: ['tenant'],
    });
    await open.verify(good);
    await open.verify(good);
    await expect(strict.verify(good)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID' });
    await expect(strict.verify(good)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID' });
  });
});

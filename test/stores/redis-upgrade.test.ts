// An upgrade from 0.1, whose redisStore wrote a key per entry: its revocations, "log out everywhere"
// and spent refresh tokens still hold once the new version runs (docs/many-instances.md).
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, redisStore } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { ownRedis } from './own-redis.js';
import { runRedis } from './redis-server.js';

const { redis, freshPrefix } = ownRedis('upgrade');

describe.runIf(runRedis)('keys written by 0.1', () => {
  const setUp = () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: redis(), prefix, nearCache: false });
    return { prefix, store, auth: createAuth({ key: hs256(SECRET), store }) };
  };

  it('a revoked jti or sid, and a subject’s not-before, still refuse their tokens', async () => {
    const { prefix, auth } = setUp();
    const revoked = await auth.issue({ sub: 'user-1', sid: 'old-login' });
    const cut = await auth.issue({ sub: 'user-2' });
    const alone = await auth.issue({});
    const untouched = await auth.issue({ sub: 'user-1' });
    await redis().set(`${prefix}{sub:user-1}:id:sid:old-login`, '1', 'EX', 600);
    await redis().set(`${prefix}{sub:user-2}:nb`, String(Date.now() / 1000 + 1), 'EX', 600);
    await redis().set(`${prefix}id:jti:${(await auth.verify(alone)).jti}`, '1', 'EX', 600);
    for (const token of [revoked, cut, alone])
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await expect(auth.verify(untouched)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a refresh token spent before the upgrade is not spent again after it', async () => {
    const { prefix, store } = setUp();
    await redis().set(`${prefix}{sub:user-1}:used:rt:old-jti`, '1', 'EX', 600);
    await redis().set(`${prefix}used:rt:alone-jti`, '1', 'EX', 600);
    expect(await store.useOnce('rt:old-jti', Date.now() / 1000 + 600, 'user-1')).toBe(false);
    expect(await store.useOnce('rt:alone-jti', Date.now() / 1000 + 600)).toBe(false);
    expect(await store.useOnce('rt:new-jti', Date.now() / 1000 + 600, 'user-1')).toBe(true);
  });
});

// Logins' records in Redis: what a login costs in bytes (MEMORY USAGE), where its record lives, that the
// verify path reads none of it, and what an earlier version or a hand leaves in the hash.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type Auth } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { intercept } from './redis-clients.js';
import { ownRedis, sidOf } from './own-redis.js';
import { runRedis, upFor } from './redis-server.js';

const { server, redis, freshPrefix } = ownRedis('rlogins');

// A Firefox on Linux, and the label an app would show.
const TYPICAL = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  label: 'Firefox on Linux',
};
const WORST = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`member${i}`, '"'.repeat(300)]));

describe.runIf(runRedis)('redisStore logins', () => {
  async function bytesPerLogin(meta: Record<string, string>, refresh: boolean): Promise<number> {
    const prefix = freshPrefix();
    const store = redisStore({ client: redis(), prefix, nearCache: false });
    const auth = createAuth({
      key: hs256(SECRET),
      store,
      ...(refresh ? { refresh: { expiresIn: '30d' } } : {}),
    });
    const key = `${prefix}{sub:user-1}`;
    const usage: number[] = [];
    for (let logins = 1; logins <= 64; logins++) {
      const { cookies } = await auth.startSession({ sub: 'user-1' }, { meta });
      // A refreshed login also holds its spent step.
      if (refresh)
        await auth.refresh({
          headers: { cookie: cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]! },
        });
      if (logins === 1 || logins === 64)
        usage.push(Number(await redis().call('MEMORY', 'USAGE', key, 'SAMPLES', '0')));
    }
    const [one, many] = usage as [number, number];
    return (many - one) / 63;
  }

  it('a live login costs under 300 bytes with a typical User-Agent and label, 90 without, 2.8 KB at most (MEMORY USAGE)', async () => {
    const typical = await bytesPerLogin(TYPICAL, false);
    const bare = await bytesPerLogin({}, false);
    const refreshed = await bytesPerLogin(TYPICAL, true);
    const worst = await bytesPerLogin(WORST, false);
    console.info(
      `bytes per live login: ${bare.toFixed(0)} without meta, ${typical.toFixed(0)} with a typical one, ` +
        `${refreshed.toFixed(0)} refreshed, ${worst.toFixed(0)} with the largest meta`,
    );
    expect(bare).toBeLessThan(90);
    expect(typical).toBeLessThan(300);
    expect(refreshed - typical).toBeLessThan(100);
    expect(worst).toBeLessThan(2800);
  });

  it('a record is a field of its user’s hash, in its slot, kept as long as the login', async () => {
    const prefix = freshPrefix();
    const auth = createAuth({
      key: hs256(SECRET),
      store: redisStore({ client: redis(), prefix, nearCache: false }),
      refresh: { expiresIn: '30d' },
    });
    const before = Math.floor(Date.now() / 1000);
    const { token } = await auth.startSession({ sub: 'user-1' }, { meta: TYPICAL });
    const now = Math.floor(Date.now() / 1000);
    const sid = sidOf(token);
    const key = `${prefix}{sub:user-1}`;
    const value = await redis().hget(key, `l:${sid}`);
    const end = Number(sid.split('.')[1]);
    // Kept, as every entry about a login, twice clockTolerance (1 s by default) past the login's end.
    const [kept, signedIn, active, ...meta] = (value ?? '').split(':');
    expect(Number(kept)).toBe(end + 2);
    expect(Number(signedIn)).toBeGreaterThanOrEqual(before);
    expect(Number(signedIn)).toBeLessThanOrEqual(now);
    expect(active).toBe(signedIn);
    expect(meta.join(':')).toBe(JSON.stringify(TYPICAL));
    expect(await redis().ttl(key)).toBeGreaterThanOrEqual(end - now - 2);
    // Only the user's hash: no key of its own.
    expect(await redis().keys(`${prefix}*`)).toEqual([key]);
  });

  it(
    'verifications of a known token read no record: 50 of them cost no command, near cache on',
    { timeout: 60_000 },
    async () => {
      await upFor([server.port], 20);
      let commands = 0;
      const counted = intercept(redis(), 'ioredis', (args) => {
        // The log's reads run on a timer of their own, not per request.
        if (!(String(args[0]).toUpperCase() === 'EVAL' && String(args[1]).includes("'XRANGE'"))) commands++;
      });
      const store = redisStore({ client: counted, prefix: freshPrefix(), nearCache: { staleness: 5000 } });
      onTestFinished(() => store.close());
      const auth = createAuth({ key: hs256(SECRET), store });
      const { token } = await auth.startSession({ sub: 'user-1' }, { meta: TYPICAL });
      for (let tries = 0; tries < 40; tries++) {
        const before = commands;
        await auth.verify(token);
        if (tries > 0 && commands === before) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const before = commands;
      for (let i = 0; i < 50; i++) await auth.verify(token);
      expect(commands - before).toBe(0);
    },
  );

  describe('what another writer left in the hash', () => {
    let auth: Auth;
    let prefix = '';
    const key = (): string => `${prefix}{sub:user-1}`;
    const setUp = () => {
      prefix = freshPrefix();
      auth = createAuth({
        key: hs256(SECRET),
        store: redisStore({ client: redis(), prefix, nearCache: false }),
      });
    };

    it('a login an earlier version revoked (its record kept) is off the list, and its record goes at the next sign-in', async () => {
      setUp();
      const ended = sidOf((await auth.startSession({ sub: 'user-1' })).token);
      const kept = sidOf((await auth.startSession({ sub: 'user-1' })).token);
      const until = String(Math.ceil(Date.now() / 1000) + 3600);
      await redis().hset(key(), `i:sid:${ended}`, until);
      expect((await auth.logins('user-1')).map((l) => l.sid)).toEqual([kept]);
      await auth.startSession({ sub: 'user-1' });
      expect(await redis().hexists(key(), `l:${ended}`)).toBe(0);
    });

    it('logins a "log out everywhere" of an earlier version cut (records kept) are off the list', async () => {
      setUp();
      await auth.startSession({ sub: 'user-1' });
      await redis().hset(key(), 'g', String(Date.now()), 'n', '0', 'e', 'inf');
      expect(await auth.logins('user-1')).toEqual([]);
      const after = sidOf((await auth.startSession({ sub: 'user-1' })).token);
      expect((await auth.logins('user-1')).map((l) => l.sid)).toEqual([after]);
    });

    it('a record of another shape is left out; meta that is no JSON object reads as none', async () => {
      setUp();
      const sid = sidOf((await auth.startSession({ sub: 'user-1' }, { meta: TYPICAL })).token);
      const end = sid.split('.')[1]!;
      await redis().hset(key(), 'l:garbage', 'x', 'l:abcdefghijklmnop.9999999999.0', 'no colons');
      await redis().hset(key(), `l:${sid}`, `${end}:1:2:not json`);
      expect(await auth.logins('user-1')).toMatchObject([{ sid, signedInAt: 1, lastActiveAt: 2, meta: {} }]);
      await redis().hset(key(), `l:${sid}`, `${end}:1:2:{"a":1,"b":"x"}`);
      expect(await auth.logins('user-1')).toMatchObject([{ sid, meta: { b: 'x' } }]);
    });
  });
});

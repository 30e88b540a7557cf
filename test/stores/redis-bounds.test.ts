// What one account can make Redis hold, what a login costs in bytes, a write that comes too late, and a
// near cache that cannot read its log: each on a real redis-server.
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type AuthEvent } from '../../src/index.js';
import { REVOKE_IN_SUBJECT } from '../../src/stores/redis-scripts.js';
import { SECRET } from '../helpers.js';
import { ownRedis, sidOf } from './own-redis.js';
import { runRedis } from './redis-server.js';

const { server, redis, freshPrefix } = ownRedis('bounds');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(runRedis)('redisStore bounds', () => {
  it('one account signing out 300 stockpiled logins keeps at most maxPerSubject entries, and ends only its own logins', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: redis(), prefix, nearCache: false, maxPerSubject: 50 });
    const auth = createAuth({ key: hs256(SECRET), store, refresh: { expiresIn: '30d' } });
    const bystander = await auth.startSession({ sub: 'bystander' });
    const key = `${prefix}{sub:attacker}`;
    // Revocations and spent steps (i:, u:), and live logins' records (l:), at their most.
    const most = { entries: 0, logins: 0 };
    const count = async (): Promise<void> => {
      const fields = await redis().hkeys(key);
      const kind = (k: string) => fields.filter((f) => f.startsWith(k)).length;
      most.entries = Math.max(most.entries, kind('i:') + kind('u:'));
      most.logins = Math.max(most.logins, kind('l:'));
    };
    // Past 50 live logins, each sign-in ends the idlest first: one more revocation each.
    const stockpile = [];
    for (let i = 0; i < 300; i++) {
      stockpile.push(await auth.startSession({ sub: 'attacker' }));
      await count();
    }
    for (const { token } of stockpile) {
      await auth.endSession({ headers: {} }, { claims: await auth.verify(token).catch(() => undefined) })
        .revoked;
      await count();
    }
    // The entries (one more before the fold), 50 logins, and the generation, not-before and end of a cut: never more.
    expect(most.entries).toBeLessThanOrEqual(50 + 1);
    expect(most.logins).toBeLessThanOrEqual(50);
    expect(await redis().hlen(key)).toBeLessThanOrEqual(50 + 1 + 50 + 3);
    for (const { token } of stockpile.slice(0, 10))
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await expect(auth.verify(bystander.token)).resolves.toMatchObject({ sub: 'bystander' });
    // Nothing but the bystander's own login's record.
    expect(await redis().hkeys(`${prefix}{sub:bystander}`)).toEqual([`l:${sidOf(bystander.token)}`]);
    // The account signs in again at once.
    const again = await auth.startSession({ sub: 'attacker' });
    await expect(auth.verify(again.token)).resolves.toMatchObject({ sub: 'attacker' });
  });

  it('a login’s entry costs under 100 bytes of the subject’s hash, and a subject under 300 (MEMORY USAGE)', async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client: redis(), prefix, nearCache: false });
    const auth = createAuth({ key: hs256(SECRET), store, refresh: { expiresIn: '30d' } });
    const key = `${prefix}{sub:user-1}`;
    const usage: number[] = [];
    for (let logins = 1; logins <= 64; logins++) {
      const { token } = await auth.startSession({ sub: 'user-1' });
      await auth.endSession({ headers: {} }, { claims: await auth.verify(token) }).revoked;
      if (logins === 1 || logins === 64)
        usage.push(Number(await redis().call('MEMORY', 'USAGE', key, 'SAMPLES', '0')));
    }
    const [one, many] = usage as [number, number];
    const perLogin = (many - one) / 63;
    console.info(`a subject with 1 ended login: ${one} B; each more: ${perLogin.toFixed(1)} B`);
    expect(one).toBeLessThan(300);
    expect(perLogin).toBeLessThan(100);
  });

  it('a write that reaches Redis after its deadline does nothing', async () => {
    const prefix = freshPrefix();
    const key = `${prefix}{sub:user-1}`;
    const late = String(Date.now() - 1);
    const end = String(Math.ceil(Date.now() / 1000) + 60);
    expect(await redis().call('EVAL', REVOKE_IN_SUBJECT, '1', key, late, '', '100', 'sid:a', end)).toBe(-1);
    expect(await redis().exists(key)).toBe(0);
    const inTime = String(Date.now() + 10_000);
    expect(await redis().call('EVAL', REVOKE_IN_SUBJECT, '1', key, inTime, '', '100', 'sid:a', end)).toBe(1);
    expect(await redis().hget(key, 'i:sid:a')).toBe(end);
  });

  it('a near cache that cannot read its log says so once (near-cache-unavailable), asks Redis meanwhile, and says when it can again', async () => {
    const prefix = freshPrefix();
    // A reader allowed everything but INFO, which the log's read script needs.
    await redis().call('ACL', 'SETUSER', 'reader', 'on', '>reader-pw', '~*', '&*', '+@all', '-info');
    const reader = new Redis({
      port: server.port,
      host: '127.0.0.1',
      username: 'reader',
      password: 'reader-pw',
    });
    onTestFinished(() => reader.disconnect());
    const events: AuthEvent['type'][] = [];
    const store = redisStore({ client: reader, prefix });
    onTestFinished(() => store.close());
    const auth = createAuth({ key: hs256(SECRET), store, onEvent: (event) => events.push(event.type) });
    const token = await auth.issue({ sub: 'user-1' });
    for (let i = 0; i < 30 && !events.includes('near-cache-unavailable'); i++, await sleep(100))
      await auth.verify(token);
    expect(events.filter((type) => type === 'near-cache-unavailable')).toHaveLength(1);
    // Still answered, from Redis: a revocation is refused at once.
    await createAuth({
      key: hs256(SECRET),
      store: redisStore({ client: redis(), prefix, nearCache: false }),
    }).revoke(await auth.verify(token));
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await redis().call('ACL', 'SETUSER', 'reader', '+info');
    const other = await auth.issue({ sub: 'user-2' });
    for (let i = 0; i < 30 && !events.includes('near-cache-recovered'); i++, await sleep(100))
      await auth.verify(other);
    expect(events.filter((type) => type.startsWith('near-cache'))).toEqual([
      'near-cache-unavailable',
      'near-cache-recovered',
    ]);
  });
});

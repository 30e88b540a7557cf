// One contract for every session store: in memory, and on a real Redis, Redis Sentinel and Redis Cluster through both clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore, redisStore, type SessionStore } from '../../src/index.js';
import { NOW_MS, SECRET } from '../helpers.js';
import {
  CLUSTER_KINDS,
  SENTINEL_KINDS,
  SINGLE_KINDS,
  redisClients,
  type ClientKind,
} from './redis-clients.js';
import {
  redisAvailable,
  redisSentinel,
  runRedis,
  sharedRedisCluster,
  sharedRedisServer,
} from './redis-server.js';

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
// No environment variable names a Sentinel: the tests start their own wherever redis-server is.
const sentinel = redisSentinel();
const runSentinel = redisAvailable || Boolean(process.env.CI);
const clients = redisClients({ server, cluster, sentinel });
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
  if (runSentinel) await sentinel.start();
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
  if (runSentinel) await sentinel.stop();
});

type Kind = [name: string, make: (prefix: string) => Promise<SessionStore>];
const redisKind = (kind: ClientKind): Kind => [
  `redis: ${kind}`,
  async (prefix) => redisStore({ client: await clients.connect(kind), prefix }),
];
const kinds: Kind[] = [
  ['memory', async () => memoryStore()],
  ...(runRedis ? [...SINGLE_KINDS, ...CLUSTER_KINDS].map(redisKind) : []),
  ...(runSentinel ? SENTINEL_KINDS.map(redisKind) : []),
];
if (!runRedis)
  console.warn('redis-server is not installed: the Redis store tests are skipped (CI installs it).');

const nowSeconds = (): number => Date.now() / 1000;
let prefixes = 0;
// Keys of an earlier run on a long-lived Redis (REDIS_URL) must not answer for this one.
const run = Math.random().toString(36).slice(2, 8);

// Mostly waiting for a second to pass: every kind at once.
describe('every store', () => {
  it.concurrent.each(kinds)(
    '%s forgets a revocation once the token would have expired (by the next whole second, never sooner)',
    async (_kind, make) => {
      const store = await make(`test-${process.pid}-${run}-${++prefixes}:`);
      const until = nowSeconds() + 1;
      await store.revoke('short', until);
      expect((await store.status(['short'], undefined)).revoked).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(until) * 1000 - Date.now() + 150));
      expect((await store.status(['short'], undefined)).revoked).toBe(false);
    },
  );
});

describe.each(kinds)('%s store', (_kind, make) => {
  const fresh = (): Promise<SessionStore> => make(`test-${process.pid}-${run}-${++prefixes}:`);

  it('revokes a jti until the given time, and only that jti', async () => {
    const store = await fresh();
    await store.revoke('jti-1', nowSeconds() + 60);
    expect(await store.status(['jti-1'], undefined)).toEqual({ revoked: true, notBefore: undefined });
    expect(await store.status(['jti-2'], undefined)).toEqual({ revoked: false, notBefore: undefined });
  });

  it('keeps nothing for a token that has already expired', async () => {
    const store = await fresh();
    await store.revoke('gone', nowSeconds() - 1);
    expect((await store.status(['gone'], undefined)).revoked).toBe(false);
  });

  it('keeps the later not-before of a subject', async () => {
    const store = await fresh();
    await store.revokeSubject('user-1', 1000, nowSeconds() + 60);
    await store.revokeSubject('user-1', 900, nowSeconds() + 60);
    // Each "log out everywhere" raises the generation (at least the time in ms): a login carries the one it
    // started at.
    const second = await store.status([], 'user-1');
    expect(second).toEqual({ revoked: false, notBefore: 1000, generation: expect.any(Number) });
    await store.revokeSubject('user-1', 2000, nowSeconds() + 60);
    const third = await store.status(['x'], 'user-1');
    expect(third).toEqual({ revoked: false, notBefore: 2000, generation: expect.any(Number) });
    expect(third.generation).toBeGreaterThan(second.generation!);
    expect(second.generation).toBeGreaterThanOrEqual(Math.floor(nowSeconds() * 1000) - 60_000);
    expect(await store.status(['x'], 'user-2')).toEqual({ revoked: false, notBefore: undefined });
  });

  it('answers for several ids in one look-up: revoked when any of them is', async () => {
    const store = await fresh();
    await store.revoke('sid:login-1', nowSeconds() + 60);
    expect((await store.status(['jti:a', 'sid:login-1'], undefined)).revoked).toBe(true);
    expect((await store.status(['jti:a', 'sid:login-2'], undefined)).revoked).toBe(false);
  });

  it('useOnce: exactly one of 50 concurrent calls wins', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.useOnce('refresh-1', nowSeconds() + 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.useOnce('refresh-1', nowSeconds() + 60)).toBe(false);
    expect(await store.useOnce('refresh-2', nowSeconds() + 60)).toBe(true);
  });

  it('treats ids as data: __proto__, spaces, unicode and key separators', async () => {
    const store = await fresh();
    for (const id of ['__proto__', 'constructor', 'a b', 'ünï', 'x:sub:y', '*']) {
      await store.revoke(id, nowSeconds() + 60);
      expect((await store.status([id], undefined)).revoked, id).toBe(true);
    }
    expect((await store.status(['toString'], 'hasOwnProperty')).revoked).toBe(false);
    expect(await store.status([], undefined)).toEqual({ revoked: false, notBefore: undefined });
  });

  it('answers for a subject and several of its ids in one look-up', async () => {
    const store = await fresh();
    const until = nowSeconds() + 60;
    await store.revokeSubject('user-1', 1000, until);
    await store.revoke('jti:a', until, 'user-1');
    // A revoked answer may leave the rest out: the token is refused whatever it says.
    expect((await store.status(['jti:a', 'sid:login-1'], 'user-1')).revoked).toBe(true);
    expect(await store.status(['jti:b', 'sid:login-1'], 'user-1')).toEqual({
      revoked: false,
      notBefore: 1000,
      generation: expect.any(Number),
    });
    await store.revoke('sid:login-1', until, 'user-1');
    expect((await store.status(['jti:b', 'sid:login-1'], 'user-1')).revoked).toBe(true);
    expect(await store.status(['jti:c', 'sid:login-2'], 'user-2')).toEqual({
      revoked: false,
      notBefore: undefined,
    });
  });

  it('useOnce under a subject: exactly one of 50 concurrent calls wins', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.useOnce('rt:1', nowSeconds() + 60, 'user-1')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.useOnce('rt:2', nowSeconds() + 60, 'user-1')).toBe(true);
  });

  it('keeps an entry whose until is Infinity', async () => {
    const store = await fresh();
    await store.revokeSubject('user-1', 1000, Infinity);
    await store.revoke('jti:forever', Infinity, 'user-1');
    await store.revoke('jti:forever-too', Infinity);
    expect((await store.status(['jti:forever'], 'user-1')).revoked).toBe(true);
    expect(await store.status(['jti:other'], 'user-1')).toEqual({
      revoked: false,
      notBefore: 1000,
      generation: expect.any(Number),
    });
    expect((await store.status(['jti:forever-too'], undefined)).revoked).toBe(true);
    for (const sub of ['user-1', undefined]) {
      expect(await store.useOnce(`rt:forever-${sub}`, Infinity, sub)).toBe(true);
      expect(await store.useOnce(`rt:forever-${sub}`, Infinity, sub)).toBe(false);
    }
  });

  it('keeps crafted subjects apart: braces, colons and percent signs', async () => {
    const store = await fresh();
    const subjects = [
      'user-1',
      '{user-1}',
      'user-1}',
      '{user-1',
      '%7Buser-1%7D',
      'user-1:nb',
      'user-1}:nb',
      'sub:user-1',
      '',
      ':',
      '%',
      '{}',
      '}{',
    ];
    const until = nowSeconds() + 60;
    for (const [i, sub] of subjects.entries()) await store.revokeSubject(sub, 1000 + i, until);
    for (const [i, sub] of subjects.entries())
      expect((await store.status(['jti:x'], sub)).notBefore, JSON.stringify(sub)).toBe(1000 + i);
  });

  describe('through createAuth', () => {
    it('refuses a revoked token and the older tokens of a subject logged out everywhere', async () => {
      const store = await fresh();
      let clock = Date.now();
      const auth = createAuth({ key: hs256(SECRET), store, now: () => clock });
      const first = await auth.issue({ sub: 'user-1' });
      const second = await auth.issue({ sub: 'user-1' });
      await auth.revoke(await auth.verify(first));
      await expect(auth.verify(first)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED', status: 401 });
      await expect(auth.verify(second)).resolves.toMatchObject({ sub: 'user-1' });

      clock += 1000;
      await auth.revokeSubject('user-1');
      await expect(auth.verify(second)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      // A token of no login is cut by its iat, with a margin of twice the default clockTolerance (1 s).
      clock += 1000;
      await expect(auth.verify(await auth.issue({ sub: 'user-1' }))).rejects.toMatchObject({
        code: 'ERR_TOKEN_REVOKED',
      });
      clock += 2000;
      const later = await auth.issue({ sub: 'user-1' });
      await expect(auth.verify(later)).resolves.toMatchObject({ sub: 'user-1' });
      await expect(auth.verify(await auth.issue({ sub: 'user-2' }))).resolves.toMatchObject({
        sub: 'user-2',
      });
    });
  });
});

describe('memoryStore bounds', () => {
  it('stays within max under 100k revocations of as many users, and forgets none of them: the oldest go by a store-wide floor', async () => {
    let clock = NOW_MS;
    const store = memoryStore({ max: 1000, now: () => clock });
    const auth = createAuth({ key: hs256(SECRET), store, now: () => clock });
    const victim = await auth.issue({ sub: 'victim' });
    await auth.revoke(await auth.verify(victim));
    const untouched = await auth.issue({ sub: 'bystander' });
    clock += 1000;
    const until = clock / 1000 + 3600;
    for (let i = 0; i < 100_000; i++) {
      await store.revoke(`jti-${i}`, until, `attacker-${i}`);
      if (store.size > 1000) throw new Error(`size ${store.size} after ${i + 1} revocations`);
    }
    expect(store.size).toBe(1000);
    expect((await store.status(['jti-99999'], 'attacker-99999')).revoked).toBe(true);
    await expect(auth.verify(victim)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    // The price: tokens issued before the forgotten entries were written are refused too.
    await expect(auth.verify(untouched)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    clock += 1000;
    await expect(auth.verify(await auth.issue({ sub: 'bystander' }))).resolves.toMatchObject({
      sub: 'bystander',
    });
  });

  it('raises no store-wide not-before while expired entries can go', async () => {
    let clock = 0;
    const store = memoryStore({ max: 3, now: () => clock });
    await store.revoke('expires-soon', 10);
    await store.revoke('live-1', 1000);
    await store.revoke('live-2', 1000);
    clock = 20_000;
    await store.revoke('live-3', 1000);
    expect(store.size).toBe(3);
    for (const id of ['live-1', 'live-2', 'live-3'])
      expect(await store.status([id], undefined), id).toEqual({ revoked: true, notBefore: undefined });
  });

  it('drops an expired entry before a live one wherever it sits, however soon after the last full store', async () => {
    let clock = 100_000;
    const store = memoryStore({ max: 3, now: () => clock });
    await store.revoke('live-0', 1000);
    await store.revoke('expires-first', 100.05);
    await store.revoke('expires-next', 100.5);
    clock = 100_100;
    await store.revoke('live-1', 1000);
    clock = 100_600;
    await store.revoke('live-2', 1000);
    for (const id of ['live-0', 'live-1', 'live-2'])
      expect(await store.status([id], undefined), id).toEqual({ revoked: true, notBefore: undefined });
  });

  it('forgetting a subject’s not-before refuses every token issued before it', async () => {
    let clock = NOW_MS;
    const store = memoryStore({ max: 2, now: () => clock });
    const auth = createAuth({ key: hs256(SECRET), store, now: () => clock });
    const before = await auth.issue({ sub: 'user-1' });
    clock += 1000;
    await auth.revokeSubject('user-1');
    clock += 1000;
    await auth.revokeSubject('user-2');
    await auth.revokeSubject('user-3');
    expect(store.size).toBe(2);
    await expect(auth.verify(before)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    clock += 1000;
    await expect(auth.verify(await auth.issue({ sub: 'user-1' }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('under random load, every entry it held answers until its end: revoked, or behind the floor', async () => {
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let clock = 1_000_000;
    const store = memoryStore({ max: 50, now: () => clock });
    const written: { id: string; at: number; until: number }[] = [];
    for (let i = 0; i < 5000; i++) {
      clock += random(400);
      const until = clock / 1000 + (random(4) === 0 ? Infinity : random(60));
      const id = `${random(2) === 0 ? 'r' : 'u'}${i}`;
      if (id.startsWith('r')) await store.revoke(id, until);
      else await store.useOnce(id, until);
      written.push({ id, at: clock / 1000, until });
      expect(store.size).toBeLessThanOrEqual(50);
    }
    const t = clock / 1000;
    const { floor = -Infinity } = await store.status([], undefined);
    for (const { id, at, until } of written) {
      if (until <= t || id.startsWith('u')) continue;
      const held = (await store.status([id], undefined)).revoked || Math.floor(at) < floor;
      if (!held) throw new Error(`${id}, written at ${at} until ${until}, was forgotten (floor ${floor})`);
    }
  });

  it('keeps an entry with no end until it must make room, and never lets a live used id be used again', async () => {
    let clock = 0;
    const store = memoryStore({ max: 2, now: () => clock });
    await store.revoke('forever', Infinity);
    expect(await store.useOnce('once', 50_000)).toBe(true);
    clock = 10_000_000;
    expect((await store.status(['forever'], undefined)).revoked).toBe(true);
    expect(await store.useOnce('once', 50_000)).toBe(false);
    await store.revoke('third', 20_000);
    // 'forever' went, the oldest; it was written at 0 s, so no token issued by then passes either.
    expect(await store.status(['forever'], undefined)).toEqual({
      revoked: false,
      notBefore: undefined,
      floor: 1,
    });
    expect(await store.useOnce('once', 50_000)).toBe(false);
  });

  it('refuses a bad max', () => {
    expect(() => memoryStore({ max: 0 })).toThrow(TypeError);
    expect(() => memoryStore({ mx: 5 } as never)).toThrow(/"mx"/);
  });
});

describe('the synchronous path', () => {
  // A verification that never waits settles in the first microtask; one that awaits a store needs more.
  const settlesAtOnce = async (pending: Promise<unknown>): Promise<boolean> => {
    let settled = false;
    void pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    return settled;
  };

  it('memoryStore answers status without a promise', () => {
    const answer = memoryStore().status(['jti:x'], 'user-1');
    expect(answer).not.toBeInstanceOf(Promise);
    expect(answer).toEqual({ revoked: false, notBefore: undefined });
  });

  it('with the default memory store, verify and authenticate never wait, cached or not, accepted or revoked', async () => {
    const auth = createAuth({ key: hs256(SECRET) });
    const token = await auth.issue({ sub: 'user-1' });
    for (let i = 0; i < 2; i++) {
      expect(await settlesAtOnce(auth.verify(token))).toBe(true);
      expect(await settlesAtOnce(auth.authenticate({ headers: { authorization: `Bearer ${token}` } }))).toBe(
        true,
      );
    }
    await auth.revoke(await auth.verify(token));
    expect(await settlesAtOnce(auth.verify(token))).toBe(true);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it('a store that answers with a promise is awaited, and its failure is a 503', async () => {
    const inner = memoryStore();
    const slow: SessionStore = {
      ...inner,
      status: async (ids, sub) => inner.status(ids, sub),
      revoke: inner.revoke,
      revokeSubject: inner.revokeSubject,
      useOnce: inner.useOnce,
    };
    const auth = createAuth({ key: hs256(SECRET), store: slow });
    const token = await auth.issue({ sub: 'user-1' });
    expect(await settlesAtOnce(auth.verify(token))).toBe(false);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    const throwing = createAuth({
      key: hs256(SECRET),
      store: {
        ...slow,
        status: () => {
          throw new Error('down');
        },
      },
    });
    await expect(throwing.verify(token)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });
});

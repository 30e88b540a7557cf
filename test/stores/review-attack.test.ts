// Attacks on the revocation log and its holds, on real redis-server processes: a sign-out retried
// after one that failed, and the near cache's distrust under steady churn.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type Auth, type RedisStore } from '../../src/index.js';
import { NearCache, type Read } from '../../src/stores/near-cache.js';
import { REVOKE_IN_SUBJECT } from '../../src/stores/redis-scripts.js';
import { SECRET } from '../helpers.js';
import { intercept, redisClients, type ClientKind, type StoreClient } from './redis-clients.js';
import { redisCluster, redisSentinel, redisServer, runRedis, type RedisServer } from './redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let prefixes = 0;
const tag = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `review-${process.pid}-${tag}-${++prefixes}:`;
const redisCli = async (port: number, ...args: string[]): Promise<string> =>
  (await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 })).stdout.trim();

const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'error';
/** 'revoked' when the sign-out resolved (a 204), or the code it rejected with. */
const signOut = (auth: Auth, token: string): Promise<string> =>
  auth.endSession({ headers: { authorization: `Bearer ${token}` } }).revoked.then(
    () => 'revoked',
    (err: unknown) => codeOf(err),
  );
const verdict = (auth: Auth, token: string): Promise<string> =>
  auth.verify(token).then(
    () => 'accepted',
    (err: unknown) => codeOf(err),
  );

describe.runIf(runRedis)('a sign-out retried after one that could not revoke', () => {
  const server: RedisServer = redisServer();
  const clients = redisClients({ server, cluster: redisCluster() });
  const stores: RedisStore[] = [];
  beforeAll(async () => server.start());
  afterAll(async () => {
    for (const s of stores) s.close();
    await clients.closeAll();
    await server.stop();
  });
  const auth = (client: StoreClient, prefix: string, nearCache = true): Auth => {
    const store = redisStore({ client, prefix, ...(nearCache ? {} : { nearCache: false as const }) });
    stores.push(store);
    onTestFinished(() => store.close());
    return createAuth({ key: hs256(SECRET), store });
  };
  const kinds: ClientKind[] = ['node-redis createClient', 'ioredis'];

  it.each(kinds)(
    '%s: Redis full at the first sign-out (503); the user retries on the same instance: never a 204 while Redis holds nothing',
    async (kind) => {
      const prefix = freshPrefix();
      const a = auth(await clients.connect(kind), prefix);
      const redis = auth(await clients.connect(kind), prefix, false);
      const { token } = await a.startSession({ sub: 'user-1' });
      // A is being asked, so it reads the log (which a full Redis still answers).
      expect(await verdict(a, token)).toBe('accepted');
      await sleep(150);
      await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '1');
      try {
        expect(await signOut(a, token)).toBe('ERR_STORE_UNAVAILABLE');
        await sleep(60);
        const retried = await signOut(a, token);
        await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '0');
        // A retried sign-out either fails too, or has revoked the login in Redis.
        expect({ retried, redis: await verdict(redis, token) }).not.toEqual({
          retried: 'revoked',
          redis: 'accepted',
        });
      } finally {
        await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '0');
      }
    },
  );

  it.each(kinds)(
    '%s: the first sign-out’s entry reached the log but its write did not (503); the retry on another instance: never a 204 while Redis holds nothing',
    async (kind) => {
      const prefix = freshPrefix();
      // A's connection breaks after the log entry: every command but the append fails.
      const a = auth(
        intercept(await clients.connect(kind), kind, (args) => {
          if (args[0] === 'EVAL' && !String(args[1]).includes('XADD')) throw new Error('connection reset');
        }),
        prefix,
      );
      const b = auth(await clients.connect(kind), prefix);
      const redis = auth(await clients.connect(kind), prefix, false);
      const { token } = await b.startSession({ sub: 'user-1' });
      expect(await verdict(b, token)).toBe('accepted');
      expect(await signOut(a, token)).toBe('ERR_STORE_UNAVAILABLE');
      // B reads the entry within a staleness; the user, told the sign-out failed, signs out again there.
      await sleep(300);
      const retried = await signOut(b, token);
      expect({ retried, redis: await verdict(redis, token) }).not.toEqual({
        retried: 'revoked',
        redis: 'accepted',
      });
    },
  );
});

const read = (revoked: boolean[]): Read => ({
  revoked,
  notBefore: undefined,
  generation: undefined,
  floor: undefined,
});

describe('NearCache distrust under steady churn', () => {
  it('once distrusted (more holds than max), it trusts again a hold’s time after the burst, though entries keep coming one at a time', () => {
    const hold = 1000;
    const cache = new NearCache(2, 30_000, hold);
    // A burst: three subjects change at once, more holds than max.
    for (const sub of ['user-1', 'user-2', 'user-3']) cache.apply({ kind: 'subject', sub }, 0);
    // Then one ordinary entry every half hold, for ten holds' time: never more than max holds at once.
    for (let t = 500; t <= 10_000; t += 500) cache.apply({ kind: 'subject', sub: `other-${t}` }, t);
    // user-9 changed in none of them: what Redis says of it is kept and answered from the cache.
    cache.fill(['jti:x'], 'user-9', read([false]), cache.epoch, 10_001);
    expect(cache.lookup(['jti:x'], 'user-9', 0, 10_002)).toEqual({ revoked: false, notBefore: undefined });
  });
});

describe.runIf(runRedis)('a Redis Cluster resharding a slot', () => {
  const cluster = redisCluster();
  const clients = redisClients({ server: redisServer(), cluster });
  const stores: RedisStore[] = [];
  beforeAll(async () => cluster.start(), 60_000);
  afterAll(async () => {
    for (const s of stores) s.close();
    await clients.closeAll();
    await cluster.stop();
  });

  /** The slot of `key`, the port and id of the master holding it, and another master's. */
  async function placeOf(
    key: string,
  ): Promise<{ slot: string; from: [number, string]; to: [number, string] }> {
    const first = cluster.nodes[0]!.port;
    const slot = await redisCli(first, 'CLUSTER', 'KEYSLOT', key);
    const masters = (await redisCli(first, 'CLUSTER', 'NODES'))
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, , flags]) => flags?.includes('master'));
    const holds = (ranges: string[]): boolean =>
      ranges.some((range) => {
        const [low, high = low] = range.split('-').map(Number);
        return Number(slot) >= low! && Number(slot) <= high!;
      });
    const portOf = (address: string): number => Number(/:(\d+)@/.exec(address)?.[1]);
    const owner = masters.find((fields) => holds(fields.slice(8)))!;
    const other = masters.find((fields) => fields !== owner)!;
    return { slot, from: [portOf(owner[1]!), owner[0]!], to: [portOf(other[1]!), other[0]!] };
  }

  it.each(['node-redis createCluster', 'ioredis Cluster'] as const)(
    '%s: while the slot of a user migrates to another master, that user’s requests are still answered (no 503)',
    async (kind) => {
      const prefix = freshPrefix();
      const store = redisStore({ client: await clients.connect(kind), prefix, nearCache: false });
      stores.push(store);
      const auth = createAuth({ key: hs256(SECRET), store });
      const { token } = await auth.startSession({ sub: 'user-1' });
      const { slot, from, to } = await placeOf(`${prefix}{sub:user-1}`);
      // What redis-cli --cluster reshard does first: both ends know the slot is moving; no key has moved yet.
      await redisCli(to[0], 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from[1]);
      await redisCli(from[0], 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', to[1]);
      try {
        expect(await verdict(auth, token)).toBe('accepted');
      } finally {
        await redisCli(to[0], 'CLUSTER', 'SETSLOT', slot, 'STABLE');
        await redisCli(from[0], 'CLUSTER', 'SETSLOT', slot, 'STABLE');
      }
    },
    30_000,
  );
});

describe.runIf(runRedis)('durability on ioredis', () => {
  const server: RedisServer = redisServer();
  const clients = redisClients({ server, cluster: redisCluster() });
  beforeAll(async () => server.start());
  afterAll(async () => {
    await clients.closeAll();
    await server.stop();
  });

  it('a stalled master: a revocation with durability fails within timeoutDuration, as every other command does', async () => {
    const store = redisStore({
      client: await clients.connect('ioredis'),
      prefix: freshPrefix(),
      nearCache: false,
      timeoutDuration: 500,
      durability: { replicas: 1, timeoutDuration: 100 },
    });
    const pid = Number(/process_id:(\d+)/.exec(await redisCli(server.port, 'INFO', 'server'))?.[1]);
    // The log entry goes first; the master stalls before the write (a partition keeps sockets open as long).
    const revoking = store.revoke('sid:x', Math.floor(Date.now() / 1000) + 60, 'user-1');
    await sleep(100);
    process.kill(pid, 'SIGSTOP');
    try {
      // Settled within 3 s (timeoutDuration is 500 ms), whatever the outcome.
      const outcome = await Promise.race([
        revoking.then(
          () => 'resolved',
          () => 'rejected',
        ),
        sleep(3000).then(() => 'still waiting'),
      ]);
      expect(outcome).toBe('rejected');
    } finally {
      process.kill(pid, 'SIGCONT');
      await revoking.catch(() => undefined);
    }
  }, 30_000);
});

describe.runIf(runRedis)('durability on node-redis Sentinel with a pool of master connections', () => {
  it('masterPoolSize: 3, the replica stalled: a revocation is not acknowledged as held by a replica', async () => {
    const sentinel = redisSentinel({ replicas: 1 });
    await sentinel.start();
    const client = createSentinel({
      name: sentinel.name,
      sentinelRootNodes: [sentinel.sentinel],
      masterPoolSize: 3,
      nodeClientOptions: { disableOfflineQueue: true },
    });
    client.on('error', () => undefined);
    await client.connect();
    const [master, replica] = sentinel.servers as [RedisServer, RedisServer];
    const store = redisStore({
      client,
      prefix: freshPrefix(),
      nearCache: false,
      durability: { replicas: 1, timeoutDuration: 200 },
    });
    onTestFinished(async () => {
      store.close();
      await client.close().catch(() => undefined);
      await sentinel.stop();
    });
    for (let i = 0; i < 100; i++, await sleep(100))
      if ((await redisCli(master.port, 'INFO', 'replication')).includes('state=online')) break;
    const until = Math.floor(Date.now() / 1000) + 60;
    // With the replica in sync, a durable write is acknowledged.
    await store.revoke('sid:before', until, 'user-1');
    // The replica acknowledges what it has once a second: everything so far.
    await sleep(1500);
    const pid = Number(/process_id:(\d+)/.exec(await redisCli(replica.port, 'INFO', 'server'))?.[1]);
    process.kill(pid, 'SIGSTOP');
    try {
      // Each in turn, as requests come: none may be acknowledged, since the replica holds none of them.
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++)
        outcomes.push(
          await store.revoke(`sid:after-${i}`, until, 'user-1').then(
            () => 'acknowledged',
            () => 'refused',
          ),
        );
      expect(outcomes).toEqual(Array(6).fill('refused'));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 60_000);
});

describe.runIf(runRedis)('a Cluster whose log master restarts empty while a write is on its way', () => {
  const cluster = redisCluster();
  const clients = redisClients({ server: redisServer(), cluster });
  const stores: RedisStore[] = [];
  beforeAll(async () => cluster.start(), 60_000);
  afterAll(async () => {
    for (const s of stores) s.close();
    await clients.closeAll();
    await cluster.stop();
  });
  const instance = (client: StoreClient, prefix: string, nearCache = true): Auth => {
    const store = redisStore({ client, prefix, ...(nearCache ? {} : { nearCache: false as const }) });
    stores.push(store);
    return createAuth({ key: hs256(SECRET), store });
  };
  const masterOf = async (key: string): Promise<number> => {
    const first = cluster.nodes[0]!.port;
    const slot = Number(await redisCli(first, 'CLUSTER', 'KEYSLOT', key));
    for (const fields of (await redisCli(first, 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '))) {
      if (!fields[2]?.includes('master')) continue;
      for (const range of fields.slice(8)) {
        const [low, high = low] = range.split('-').map(Number);
        if (slot >= low! && slot <= high!) return Number(/:(\d+)@/.exec(fields[1]!)?.[1]);
      }
    }
    throw new Error(`no master holds ${key}`);
  };

  it.each(['node-redis createCluster', 'ioredis Cluster'] as const)(
    '%s: the entry is lost with the log’s master, the write lands later on the subject’s: an instance that read the subject meanwhile refuses once Redis holds it',
    async (kind) => {
      const prefix = freshPrefix();
      const log = await masterOf(`${prefix}{log}`);
      let sub = '';
      for (let i = 0; sub === ''; i++)
        if ((await masterOf(`${prefix}{sub:user-${i}}`)) !== log) sub = `user-${i}`;
      // A's write to the subject's master is slow (a stalled server, a congested link): it waits for `release`.
      let release = (): void => undefined;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const a = instance(
        intercept(await clients.connect(kind), kind, async (args) => {
          // The revocation's script only: a sign-in's (its login's record) goes through.
          if (args[0] === 'EVAL' && args[1] === REVOKE_IN_SUBJECT) await slow;
        }),
        prefix,
      );
      const redis = instance(await clients.connect(kind), prefix, false);
      const { token } = await a.startSession({ sub });
      const claims = await a.verify(token);
      const signedOut = a.endSession({ headers: {} }, { claims }).revoked.then(
        () => 'revoked',
        (err: unknown) => codeOf(err),
      );
      // The entry is in the log; then the log's master restarts empty (no persistence) and loses it.
      for (let i = 0; i < 50 && (await redisCli(log, 'XLEN', `${prefix}{log}`)) !== '1'; i++) await sleep(20);
      await cluster.kill(log);
      await cluster.revive(log);
      expect(await signedOut).toBe('ERR_STORE_UNAVAILABLE');
      // B starts (or wakes from idle): it reads the log from the start, and asks Redis about the subject.
      const b = instance(await clients.connect(kind), prefix);
      expect(await verdict(b, token)).toBe('accepted');
      await sleep(150);
      expect(await verdict(b, token)).toBe('accepted');
      // The write lands, within its deadline: Redis holds the revocation.
      release();
      let held = false;
      for (let i = 0; i < 50 && !held; i++, await sleep(20))
        held = (await verdict(redis, token)) === 'ERR_TOKEN_REVOKED';
      expect(held).toBe(true);
      await sleep(300);
      expect(await verdict(b, token)).toBe('ERR_TOKEN_REVOKED');
    },
    60_000,
  );
});

// redisStore on real servers: where its keys go (one hash slot per subject), their TTLs, the client
// shapes it recognises, its timeout, and a whole session over HTTP on a Redis Cluster (what each step costs: redis-costs.test.ts).
import { createServer } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import type { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import request from 'supertest';
import { createClient, createCluster, createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type RedisStoreOptions, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import {
  CLUSTER_KINDS,
  DEFAULT_KINDS,
  redisClients,
  type ClientKind,
  type StoreClient,
} from './redis-clients.js';
import { runRedis, sharedRedisCluster, sharedRedisServer, type RedisNode } from './redis-server.js';

if (!runRedis)
  console.warn('redis-server is not installed: the Redis store tests are skipped (CI installs it).');

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
const clients = redisClients({ server, cluster });
const admins: (Redis | Cluster)[] = [];

/** One way to reach Redis: the store's client, and an ioredis connection of our own to look at the keys. */
interface Target {
  readonly name: ClientKind;
  readonly cluster: boolean;
  client: StoreClient;
  admin: Redis | Cluster;
  nodes: readonly RedisNode[];
}
const targets = DEFAULT_KINDS.map(
  (name) => ({ name, cluster: (CLUSTER_KINDS as readonly string[]).includes(name) }) as Target,
);

beforeAll(async () => {
  if (!runRedis) return;
  await Promise.all([server.start(), cluster.start()]);
  const url = new URL(server.url);
  for (const target of targets) {
    target.client = await clients.connect(target.name);
    target.nodes = target.cluster ? cluster.nodes : [{ host: url.hostname, port: Number(url.port) }];
    target.admin = target.cluster
      ? new Cluster([...cluster.nodes], { lazyConnect: true })
      : new Redis(Number(url.port), url.hostname, { lazyConnect: true });
    await target.admin.connect();
    admins.push(target.admin);
  }
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  for (const admin of admins) admin.disconnect();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
});

let prefixes = 0;
const run = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `store-${process.pid}-${run}-${++prefixes}:`;
const nowSeconds = (): number => Date.now() / 1000;

async function keysOf(target: Target, prefix: string): Promise<string[]> {
  const nodes = target.admin instanceof Cluster ? target.admin.nodes('master') : [target.admin];
  const keys = await Promise.all(nodes.map((node) => node.keys(`${prefix}*`)));
  return keys.flat().sort();
}
const ttlOf = async (target: Target, key: string): Promise<number> =>
  Number(await target.admin.call('TTL', key));
const slotOf = async (target: Target, key: string): Promise<number> =>
  Number(await target.admin.call('CLUSTER', 'KEYSLOT', key));

const cookie = (res: request.Response, name: string): string => {
  const found =
    (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${name}=`)) ?? '';
  return /^[^=]+=([^;]*)/.exec(found)![1]!;
};

/** Whatever a subject can be: crafted to move a hash tag, or to pose as another subject's keys. */
const CRAFTED = [
  'user-1',
  '{user-1}',
  'user-1}',
  '{user-1',
  '}{',
  '{}',
  '',
  'user-1}:nb',
  'user-1:id:jti:a',
  '%7Buser-1%7D',
  '%',
  'sub:user-1',
  '\uD800',
  '\uFFFD',
];

describe('redisStore options', () => {
  const client = { call: async (): Promise<unknown> => null };

  it.each(['app{1}:', 'app}', '{', 'a{b}c'])(
    'refuses the prefix %j: a brace would pick the hash slot',
    (prefix) => {
      expect(() => redisStore({ client, prefix })).toThrow(TypeError);
      expect(() => redisStore({ client, prefix })).toThrow(/"prefix"/);
    },
  );

  it('types: takes every redis and ioredis client, single, Sentinel or Cluster', () => {
    type Client = RedisStoreOptions['client'];
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<Client>();
    expectTypeOf<ReturnType<typeof createCluster>>().toExtend<Client>();
    expectTypeOf<ReturnType<typeof createSentinel>>().toExtend<Client>();
    expectTypeOf<Redis>().toExtend<Client>();
    expectTypeOf<Cluster>().toExtend<Client>();
    expectTypeOf<Redis6>().toExtend<Client>();
    expectTypeOf<Cluster6>().toExtend<Client>();
    // A cluster-shaped sendCommand without the cluster's own members would be taken for a single node's.
    expectTypeOf<{
      sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
    }>().not.toExtend<Client>();
  });

  it('refuses what is not a redis or ioredis client', () => {
    for (const bad of [undefined, {}, { sendCommand: 'no' }, { call: 1 }])
      expect(() => redisStore({ client: bad as never })).toThrow(/"client"/);
  });
});

describe('client shapes and the per-command timeout', () => {
  const never = (): Promise<never> => new Promise<never>(() => undefined);
  const shapes: [
    name: string,
    make: (calls: unknown[][]) => StoreClient,
    expected: (command: string[]) => unknown[],
  ][] = [
    [
      'node-redis createClient',
      (calls) => ({ sendCommand: (args: string[]) => (calls.push([args]), never()) }),
      (command) => [command],
    ],
    [
      'node-redis createCluster',
      (calls) => ({
        masters: [],
        sendCommand: (firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]) => (
          calls.push([firstKey, isReadonly, args]),
          never()
        ),
      }),
      // Routed by its first key, and never to a replica, which may lag behind a revocation.
      (command) => [command[1], false, command],
    ],
    [
      'early node-redis 4 createCluster (getSlotMaster, no masters)',
      (calls) => ({
        getSlotMaster: () => undefined,
        sendCommand: (firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]) => (
          calls.push([firstKey, isReadonly, args]),
          never()
        ),
      }),
      (command) => [command[1], false, command],
    ],
    [
      'node-redis createSentinel',
      (calls) => ({
        getMasterNode: () => undefined,
        sendCommand: (isReadonly: boolean | undefined, args: string[]) => (
          calls.push([isReadonly, args]),
          never()
        ),
      }),
      (command) => [false, command],
    ],
    [
      'ioredis',
      (calls) => ({ call: (...args: string[]) => (calls.push(args), never()) }),
      (command) => command,
    ],
  ];

  it.each(shapes)(
    '%s: a status is one HMGET (and a GET of each key 0.1 wrote) in the client’s own shape; no answer fails closed (503) within timeoutDuration',
    async (_name, make, expected) => {
      const calls: unknown[][] = [];
      const store = redisStore({ client: make(calls), prefix: 'p:', timeoutDuration: 200, nearCache: false });
      const started = Date.now();
      await expect(store.status(['jti:a', 'sid:b'], 'user-1')).rejects.toThrow(/did not answer in time/);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(calls).toEqual([
        expected(['HMGET', 'p:{sub:user-1}', 'g', 'n', 'i:jti:a', 'i:sid:b']),
        expected(['GET', 'p:{sub:user-1}:nb']),
        expected(['GET', 'p:{sub:user-1}:id:jti:a']),
        expected(['GET', 'p:{sub:user-1}:id:sid:b']),
      ]);

      const auth = createAuth({ key: hs256(SECRET), store });
      const token = await createAuth({ key: hs256(SECRET) }).issue({ sub: 'user-1' });
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    },
  );

  it.runIf(runRedis)(
    'an ioredis Cluster that cannot reach a node queues the command: 503 within timeoutDuration',
    async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
      const client = new Cluster([{ host: '127.0.0.1', port }], { lazyConnect: true });
      client.on('error', () => undefined);
      try {
        const auth = createAuth({
          key: hs256(SECRET),
          store: redisStore({ client, timeoutDuration: 300, nearCache: false }),
        });
        const token = await auth.issue({ sub: 'user-1' });
        const started = Date.now();
        await expect(auth.verify(token)).rejects.toMatchObject({
          code: 'ERR_STORE_UNAVAILABLE',
          status: 503,
        });
        expect(Date.now() - started).toBeLessThan(1300);
      } finally {
        client.disconnect();
      }
    },
  );
});

describe.runIf(runRedis).each(targets)('$name', (target) => {
  // The keys and commands themselves: no near cache, no revocation log.
  const store = (prefix: string): SessionStore =>
    redisStore({ client: target.client, prefix, nearCache: false });

  it('each key lives as long as what it names, and one with an until of Infinity has no TTL (-1)', async () => {
    const prefix = freshPrefix();
    const s = store(prefix);
    const until = nowSeconds() + 600;
    await s.revoke('jti:a', until, 'user-1');
    await s.useOnce('rt:a', nowSeconds() + 300, 'user-1');
    await s.revoke('jti:b', until);
    await s.useOnce('rt:b', until);
    // A subject's hash lives as long as its latest entry; each entry keeps its own end.
    for (const key of ['{sub:user-1}', 'id:jti:b', 'used:rt:b']) {
      expect(await ttlOf(target, prefix + key), key).toBeGreaterThanOrEqual(599);
      // Ends are whole Unix seconds (EXAT), rounded up: never shorter than asked.
      expect(await ttlOf(target, prefix + key), key).toBeLessThanOrEqual(601);
    }
    expect(await target.admin.hget(`${prefix}{sub:user-1}`, 'i:jti:a')).toBe(String(Math.ceil(until)));

    await s.revokeSubject('user-2', 1000, Infinity);
    await s.revoke('jti:c', Infinity, 'user-2');
    await s.useOnce('rt:c', Infinity, 'user-2');
    await s.revoke('jti:d', Infinity);
    await s.useOnce('rt:d', Infinity);
    // A later "log out everywhere" with a shorter life raises the not-before and keeps the cut for good.
    await s.revokeSubject('user-2', 2000, nowSeconds() + 60);
    for (const key of ['{sub:user-2}', 'id:jti:d', 'used:rt:d'])
      expect(await ttlOf(target, prefix + key), key).toBe(-1);
    // The cut took the subject's entries with it: what they refused, the generation refuses.
    expect(await s.status(['jti:c'], 'user-2')).toEqual({
      revoked: false,
      notBefore: 2000,
      generation: expect.any(Number),
    });
    expect((await keysOf(target, prefix)).filter((key) => !key.endsWith('{log}'))).toHaveLength(6);
  });

  it('crafted subjects: each gets keys of its own, and an id revoked under one is not revoked under another', async () => {
    const prefix = freshPrefix();
    const s = store(prefix);
    const until = nowSeconds() + 60;
    for (const [i, sub] of CRAFTED.entries()) {
      await s.revokeSubject(sub, 1000 + i, until);
      await s.revoke('jti:a', until, sub);
    }
    expect((await keysOf(target, prefix)).filter((key) => !key.endsWith('{log}'))).toHaveLength(
      CRAFTED.length,
    );
    for (const [i, sub] of CRAFTED.entries())
      expect(await s.status(['jti:a'], sub), JSON.stringify(sub)).toEqual({
        revoked: true,
        notBefore: 1000 + i,
        generation: expect.any(Number),
      });
    const other = store(freshPrefix());
    await other.revoke('jti:b', until, 'user-1');
    for (const sub of CRAFTED.filter((name) => name !== 'user-1'))
      expect((await other.status(['jti:b'], sub)).revoked, JSON.stringify(sub)).toBe(false);
  });
});

describe.runIf(runRedis).each(targets.filter((target) => target.cluster))('$name: hash slots', (target) => {
  it('every key of one subject lands in one hash slot, crafted subjects included', async () => {
    const slotsSeen = new Set<number>();
    for (const sub of CRAFTED) {
      const prefix = freshPrefix();
      const s = redisStore({ client: target.client, prefix, nearCache: false });
      const until = nowSeconds() + 60;
      await s.revokeSubject(sub, 1000, until);
      await s.revoke('jti:a', until, sub);
      await s.revoke('sid:b', until, sub);
      await s.useOnce('rt:c', until, sub);
      const found = (await keysOf(target, prefix)).filter((key) => !key.endsWith('{log}'));
      // The hash, and the keys 0.1 wrote, which are still read: one slot.
      expect(found, JSON.stringify(sub)).toHaveLength(1);
      const legacy = `${found[0]!}:nb`;
      const slots = new Set(await Promise.all([found[0]!, legacy].map((key) => slotOf(target, key))));
      expect(slots.size, JSON.stringify(sub)).toBe(1);
      slotsSeen.add([...slots][0]!);
      expect(await s.status(['jti:x', 'sid:b'], sub)).toEqual({
        revoked: true,
        notBefore: 1000,
        generation: expect.any(Number),
      });
    }
    // The subject picks the slot: the keys spread over the cluster.
    expect(slotsSeen.size).toBeGreaterThan(CRAFTED.length / 2);
  });
});

describe.runIf(runRedis)('a session over HTTP on a Redis Cluster', () => {
  describe.each(targets.filter((target) => target.cluster))('$name', (target) => {
    it.each(variants)('$name: sign-in, a guarded route, refresh, sign-out, then refused', async (variant) => {
      const store = redisStore({ client: target.client, prefix: freshPrefix() });
      // Its reads of the revocation log stop with the test: the MONITOR counts below must see none.
      onTestFinished(() => store.close());
      const app = variant.build(createAuth({ key: hs256(SECRET), store, refresh: { expiresIn: '30d' } }));
      const login = await request(app).post('/login');
      expect(login.status).toBe(204);
      const first = cookie(login, 'jwt');
      expect((await request(app).get('/required').set('Cookie', `jwt=${first}`)).status).toBe(200);

      const refreshed = await request(app)
        .post('/auth/refresh')
        .set('Cookie', `jwt-refresh=${cookie(login, 'jwt-refresh')}`);
      expect(refreshed.status).toBe(204);
      const second = cookie(refreshed, 'jwt');
      expect((await request(app).get('/required').set('Cookie', `jwt=${second}`)).status).toBe(200);

      expect((await request(app).post('/auth/logout').set('Cookie', `jwt=${second}`)).status).toBe(204);
      for (const token of [first, second]) {
        const res = await request(app).get('/required').set('Cookie', `jwt=${token}`);
        expect({ status: res.status, code: res.body.code }).toEqual({
          status: 401,
          code: 'ERR_TOKEN_REVOKED',
        });
      }
      const reuse = await request(app)
        .post('/auth/refresh')
        .set('Cookie', `jwt-refresh=${cookie(refreshed, 'jwt-refresh')}`);
      expect({ status: reuse.status, code: reuse.body.code }).toEqual({
        status: 401,
        code: 'ERR_TOKEN_REVOKED',
      });
    });
  });
});

// The revocation log under the faults of production, on real redis-server processes: a server stopped
// mid-write, a Cluster node killed, a log that goes backwards, a failover, a write the log never heard
// of. The rule each test holds: once Redis holds a revocation, every instance refuses the token within
// the staleness bound (100 ms; 200 here, for a busy machine), whatever happened to the log meanwhile.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type Auth, type Claims, type RedisStore } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { redisClients, type ClientKind, type StoreClient } from './redis-clients.js';
import {
  redisCluster,
  redisSentinel,
  redisServer,
  runRedis,
  upFor,
  type RedisCluster,
  type RedisServer,
} from './redis-server.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const BOUND = 200;
let prefixes = 0;
const tag = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `faults-${process.pid}-${tag}-${++prefixes}:`;

async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args], { timeout: 5000 })).stdout.trim();
}
const pidOf = async (port: number): Promise<number> =>
  Number(/process_id:(\d+)/.exec(await redisCli(port, 'INFO', 'server'))?.[1]);

/** SIGSTOPs the server on `port` now and SIGCONTs it `ms` later: a stall, its sockets kept. */
async function stall(port: number, ms: number): Promise<{ resumed: Promise<void> }> {
  const pid = await pidOf(port);
  process.kill(pid, 'SIGSTOP');
  return { resumed: sleep(ms).then(() => void process.kill(pid, 'SIGCONT')) };
}

const stores: RedisStore[] = [];
function store(client: StoreClient, prefix: string, nearCache = true): RedisStore {
  const made = redisStore({ client, prefix, ...(nearCache ? {} : { nearCache: false as const }) });
  stores.push(made);
  onTestFinished(() => made.close());
  return made;
}
const auth = (s: RedisStore): Auth => createAuth({ key: hs256(SECRET), store: s });

/** A (signs out), B (another instance that knows the token), and a view of Redis itself. */
interface Instances {
  readonly a: Auth;
  readonly b: Auth;
  readonly redis: Auth;
}

/** B verifies the token until it has it in its near cache (two reads, over 100 ms apart). */
async function known(b: Auth, token: string): Promise<void> {
  await b.verify(token);
  await sleep(150);
  await b.verify(token);
}

/**
 * Lets B's reads of the log catch up after a fault without asking B anything: a request made while
 * its reads were failing would go to Redis and find the truth, and hide what its cache believes.
 */
const quietly = (): Promise<void> => sleep(400);

/**
 * Watches for `ms`: Redis itself (an instance without a near cache) and B, every 20 ms. Returns every
 * time B accepted the token later than BOUND after Redis was first seen holding its revocation.
 */
async function violations({ b, redis }: Instances, token: string, ms: number): Promise<string[]> {
  const found: string[] = [];
  let heldSince: number | undefined;
  for (const end = performance.now() + ms; performance.now() < end; await sleep(20)) {
    const sent = performance.now();
    const [held, accepted] = await Promise.all([
      redis.verify(token).then(
        () => false,
        (err: unknown) => codeOf(err) === 'ERR_TOKEN_REVOKED',
      ),
      b.verify(token).then(
        () => true,
        () => false,
      ),
    ]);
    if (held) heldSince ??= sent;
    if (accepted && heldSince !== undefined && sent - heldSince > BOUND)
      found.push(`B accepted ${(sent - heldSince).toFixed(0)} ms after Redis held the revocation`);
  }
  return found;
}

const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;

/** 'revoked', or the code the sign-out was refused with. */
const settled = (revoked: Promise<void>): Promise<string> =>
  revoked.then(
    () => 'revoked',
    (err: unknown) => codeOf(err) ?? 'error',
  );

/** A sign-out of the login `claims` belong to, on `a`: 'revoked', or its code. */
const signOut = (a: Auth, claims: Claims): Promise<string> =>
  settled(a.endSession({ headers: {} }, { claims }).revoked);

/** A login made on `a`, which B has in its near cache. */
async function login(a: Auth, b: Auth, sub = 'user-1'): Promise<{ token: string; claims: Claims }> {
  const { token } = await a.startSession({ sub });
  const claims = await a.verify(token);
  await known(b, token);
  return { token, claims };
}

/** A client of `kind` that signs in to Redis as `user`. */
async function connectAs(
  kind: ClientKind,
  port: number,
  user: string,
  password: string,
): Promise<StoreClient> {
  if (kind === 'ioredis') {
    const client = new Redis({
      lazyConnect: true,
      port,
      host: '127.0.0.1',
      username: user,
      password,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    await client.connect();
    onTestFinished(() => client.disconnect());
    return client;
  }
  const client = await createClient({
    url: `redis://${user}:${password}@127.0.0.1:${port}`,
    disableOfflineQueue: true,
  })
    .on('error', () => undefined)
    .connect();
  onTestFinished(() => client.destroy());
  return client;
}

describe.runIf(runRedis)('one Redis server', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    for (const s of stores) s.close();
    for (const server of servers) await server.stop().catch(() => undefined);
  });
  async function ownServer(): Promise<RedisServer> {
    const server = redisServer();
    servers.push(server);
    await server.start();
    return server;
  }
  // One server for the faults that do not restart it, up for more than a hold (20 s): a near cache
  // keeps nothing from a younger one, which would let these pass without trusting a cache at all.
  let aged: RedisServer | undefined;
  beforeAll(async () => {
    aged = await ownServer();
    await upFor([aged.port], 20);
  }, 60_000);
  const kinds: ClientKind[] = ['node-redis createClient', 'ioredis'];

  async function setUp(kind: ClientKind, server: RedisServer): Promise<Instances> {
    const own = redisClients({ server, cluster: redisCluster() });
    onTestFinished(() => own.closeAll());
    const prefix = freshPrefix();
    return {
      a: auth(store(await own.connect(kind), prefix)),
      b: auth(store(await own.connect(kind), prefix)),
      redis: auth(store(await own.connect(kind), prefix, false)),
    };
  }

  it.each(kinds)(
    '%s: the server stalls 1.5 s during a sign-out (its client gives up at 1 s): B never accepts what Redis holds',
    async (kind) => {
      const server = aged!;
      const instances = await setUp(kind, server);
      const { token, claims } = await login(instances.a, instances.b);
      const { resumed } = await stall(server.port, 1500);
      const outcome = await signOut(instances.a, claims);
      expect(outcome).toBe('ERR_STORE_UNAVAILABLE');
      await resumed;
      await quietly();
      expect(await violations(instances, token, 1500)).toEqual([]);
    },
  );

  it.each(kinds)(
    '%s: Redis restarted empty after B read an entry whose id runs ahead of its clock: B notices and refuses a later sign-out',
    async (kind) => {
      const server = await ownServer();
      const instances = await setUp(kind, server);
      const prefix = `faults-${process.pid}-${tag}-${prefixes}:`;
      const { token } = await instances.a.startSession({ sub: 'user-1' });
      const claims = await instances.a.verify(token);
      // Another server's clock ran a day ahead: its entries' ids are a day in the future.
      const ahead = `${Date.now() + 86_400_000}-0`;
      await redisCli(server.port, 'XADD', `${prefix}{log}`, ahead, 'k', 's', 's', 'someone');
      await known(instances.b, token);
      await sleep(150);
      await server.stop();
      await server.start();
      await quietly();
      // Clients reconnect on their own; the sign-out goes to the new, empty server.
      for (let i = 0; i < 50; i++, await sleep(100))
        if ((await signOut(instances.a, claims)) === 'revoked') break;
      await quietly();
      expect(await violations(instances, token, 1000)).toEqual([]);
    },
  );

  it.each(kinds)(
    '%s: a write the log never heard of (an ACL that denies XADD to the writer): B never accepts what Redis holds',
    async (kind) => {
      const server = aged!;
      await redisCli(
        server.port,
        'ACL',
        'SETUSER',
        'writer',
        'on',
        '>writer-pw',
        '~*',
        '&*',
        '+@all',
        '-xadd',
      );
      const instances = await setUp(kind, server);
      const prefix = `faults-${process.pid}-${tag}-${prefixes}:`;
      const a = auth(store(await connectAs(kind, server.port, 'writer', 'writer-pw'), prefix));
      const { token, claims } = await login(a, instances.b);
      expect(await signOut(a, claims)).toBe('ERR_STORE_UNAVAILABLE');
      await quietly();
      expect(await violations(instances, token, 1000)).toEqual([]);
    },
  );

  it.each(kinds)(
    '%s: a full Redis (maxmemory, noeviction): sign-out answers 503, and no instance accepts what Redis holds',
    async (kind) => {
      const server = aged!;
      const instances = await setUp(kind, server);
      const { token, claims } = await login(instances.a, instances.b);
      await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '1');
      expect(await signOut(instances.a, claims)).toBe('ERR_STORE_UNAVAILABLE');
      expect(await violations(instances, token, 500)).toEqual([]);
      await redisCli(server.port, 'CONFIG', 'SET', 'maxmemory', '0');
      expect(await signOut(instances.a, claims)).toBe('revoked');
      expect(await violations(instances, token, 500)).toEqual([]);
      await expect(instances.b.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    },
  );
});

describe.runIf(runRedis)('a 3-master Redis Cluster', () => {
  const cluster: RedisCluster = redisCluster();
  const clients = redisClients({ server: redisServer(), cluster });
  afterAll(async () => {
    for (const s of stores) s.close();
    await clients.closeAll();
    await cluster.stop();
  });
  const kinds: ClientKind[] = ['node-redis createCluster', 'ioredis Cluster'];

  /** The port of the master that holds `key`. */
  async function nodeOf(key: string): Promise<number> {
    const slot = Number(await redisCli(cluster.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key));
    const lines = (await redisCli(cluster.nodes[0]!.port, 'CLUSTER', 'NODES')).split('\n');
    for (const line of lines) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags?.includes('master')) continue;
      for (const range of ranges) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from! && slot <= to!) return Number(/:(\d+)@/.exec(address!)?.[1]);
      }
    }
    throw new Error(`no master holds ${key}`);
  }

  /** A subject whose keys live on another master than the log. */
  async function apart(prefix: string): Promise<{ sub: string; log: number; subject: number }> {
    const log = await nodeOf(`${prefix}{log}`);
    for (let i = 0; ; i++) {
      const subject = await nodeOf(`${prefix}{sub:user-${i}}`);
      if (subject !== log) return { sub: `user-${i}`, log, subject };
    }
  }

  beforeAll(async () => {
    await cluster.start();
    await upFor(
      cluster.nodes.map((node) => node.port),
      20,
    );
  }, 90_000);

  async function setUp(kind: ClientKind): Promise<Instances & { prefix: string }> {
    const prefix = freshPrefix();
    return {
      prefix,
      a: auth(store(await clients.connect(kind), prefix)),
      b: auth(store(await clients.connect(kind), prefix)),
      redis: auth(store(await clients.connect(kind), prefix, false)),
    };
  }

  it.each(kinds)(
    '%s: the subject’s master stalls 1.5 s during a sign-out, so its write lands after the sign-out gave up: B refuses throughout',
    async (kind) => {
      const instances = await setUp(kind);
      const { sub, subject } = await apart(instances.prefix);
      const { token, claims } = await login(instances.a, instances.b, sub);
      const { resumed } = await stall(subject, 1500);
      const outcome = await signOut(instances.a, claims);
      expect(outcome).toBe('ERR_STORE_UNAVAILABLE');
      await resumed;
      await quietly();
      expect(await violations(instances, token, 1500)).toEqual([]);
    },
    30_000,
  );

  it.each(kinds)(
    '%s: the log’s master is down 3 s (killed, back empty) while a sign-out reaches the subject’s: B, asked only after, refuses what Redis holds',
    async (kind) => {
      const instances = await setUp(kind);
      const { sub, log } = await apart(instances.prefix);
      const { token, claims } = await login(instances.a, instances.b, sub);
      await cluster.kill(log);
      const outcome = await signOut(instances.a, claims);
      expect(outcome).toBe('ERR_STORE_UNAVAILABLE');
      await sleep(2000);
      await cluster.revive(log);
      await quietly();
      expect(await violations(instances, token, 1500)).toEqual([]);
    },
    60_000,
  );
});

describe.runIf(runRedis)('Sentinel: a master, a replica, a failover', () => {
  it.each(['node-redis createSentinel', 'ioredis sentinels'] as const)(
    '%s: the replica that takes over lacks the last entries B read (ids ahead of its own): B notices and refuses a later sign-out',
    async (kind) => {
      const sentinel = redisSentinel({ replicas: 1, downAfter: 1000 });
      await sentinel.start();
      const clients = redisClients({ server: redisServer(), cluster: redisCluster(), sentinel });
      onTestFinished(async () => {
        for (const s of stores) s.close();
        await clients.closeAll();
        await sentinel.stop();
      });
      const [master, replica] = sentinel.servers as [RedisServer, RedisServer];
      await sleep(500);
      const prefix = freshPrefix();
      const instances: Instances = {
        a: auth(store(await clients.connect(kind), prefix)),
        b: auth(store(await clients.connect(kind), prefix)),
        redis: auth(store(await clients.connect(kind), prefix, false)),
      };
      const { token } = await instances.a.startSession({ sub: 'user-1' });
      const claims = await instances.a.verify(token);
      // The replica falls behind; the master takes an entry from a clock a day ahead, which B reads.
      const pid = await pidOf(replica.port);
      process.kill(pid, 'SIGSTOP');
      await redisCli(
        master.port,
        'XADD',
        `${prefix}{log}`,
        `${Date.now() + 86_400_000}-0`,
        'k',
        's',
        's',
        'x',
      );
      await known(instances.b, token);
      await sleep(150);
      await master.stop();
      process.kill(pid, 'SIGCONT');
      // Sentinel promotes the replica; the clients follow it.
      let outcome = '';
      for (let i = 0; i < 100 && outcome !== 'revoked'; i++, await sleep(200))
        outcome = await signOut(instances.a, claims);
      expect(outcome).toBe('revoked');
      await quietly();
      expect(await violations(instances, token, 1000)).toEqual([]);
    },
    60_000,
  );

  it('durability: { replicas: 1 }: a master left without its replica (a partition’s old master) signs in nobody, ends no login: a 503', async () => {
    const sentinel = redisSentinel({ replicas: 1 });
    await sentinel.start();
    const clients = redisClients({ server: redisServer(), cluster: redisCluster(), sentinel });
    onTestFinished(async () => {
      await clients.closeAll();
      await sentinel.stop();
    });
    const [master, replica] = sentinel.servers as [RedisServer, RedisServer];
    const durable = redisStore({
      client: await clients.connect('node-redis createSentinel'),
      prefix: freshPrefix(),
      durability: { replicas: 1 },
    });
    onTestFinished(() => durable.close());
    const a = auth(durable);
    for (let i = 0; i < 100; i++, await sleep(100))
      if ((await redisCli(master.port, 'INFO', 'replication')).includes('state=online')) break;
    const { token } = await a.startSession({ sub: 'user-1' });
    await replica.stop();
    for (let i = 0; i < 100; i++, await sleep(100))
      if ((await redisCli(master.port, 'INFO', 'replication')).includes('connected_slaves:0')) break;
    // What it reads may be a past a new master has moved on from: a login made from it could be of a
    // generation already cut, a sign-out could find a revoked token alive.
    await expect(a.startSession({ sub: 'user-1' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(await signOut(a, await a.verify(token))).toBe('ERR_STORE_UNAVAILABLE');
  }, 30_000);

  it('durability: { replicas: 1 }: a sign-out is acknowledged once the replica holds it, and is a 503 while it cannot', async () => {
    const sentinel = redisSentinel({ replicas: 1 });
    await sentinel.start();
    const clients = redisClients({ server: redisServer(), cluster: redisCluster(), sentinel });
    onTestFinished(async () => {
      await clients.closeAll();
      await sentinel.stop();
    });
    const [, replica] = sentinel.servers as [RedisServer, RedisServer];
    const durable = redisStore({
      client: await clients.connect('ioredis sentinels'),
      prefix: freshPrefix(),
      // Long enough for a busy machine's replica to acknowledge; the stall below outlasts it.
      durability: { replicas: 1, timeoutDuration: 1500 },
    });
    onTestFinished(() => durable.close());
    const a = auth(durable);
    // Wait for the replica to be in sync: until then it acknowledges nothing.
    for (let i = 0; i < 100; i++, await sleep(100))
      if ((await redisCli(sentinel.servers[0]!.port, 'INFO', 'replication')).includes('state=online')) break;
    const first = await a.startSession({ sub: 'user-1' });
    expect(
      await settled(a.endSession({ headers: {} }, { claims: await a.verify(first.token) }).revoked),
    ).toBe('revoked');
    const second = await a.startSession({ sub: 'user-1' });
    const claims = await a.verify(second.token);
    const { resumed } = await stall(replica.port, 3000);
    const started = performance.now();
    expect(await signOut(a, claims)).toBe('ERR_STORE_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(2900);
    await resumed;
  }, 30_000);
});

// Connected clients of every kind redisStore takes, each set up the way docs/many-instances.md advises: both
// libraries, their versions whose replies differ, and both protocols (RESP2 and RESP3).
import { Cluster, Redis } from 'ioredis';
import { Cluster as Cluster600, Redis as Redis600 } from 'ioredis-6.0.0';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisStoreOptions } from '../../src/index.js';
import type { RedisCluster, RedisNode, RedisSentinel, RedisServer } from './redis-server.js';

export type StoreClient = RedisStoreOptions['client'];

// node-redis 6 speaks RESP3 unless told `RESP: 2`; ioredis 5 speaks only RESP2; ioredis 6 speaks RESP3
// unless told `protocol: 2`. ioredis 6.0.0 answers XREAD sent through call() as a flat [stream, entries]
// where every other client and version answers [[stream, entries]] (RESP2) or { stream: entries }.
export const SINGLE_KINDS = [
  'node-redis createClient',
  'node-redis createClient RESP2',
  'ioredis',
  'ioredis 6',
  'ioredis 6 RESP2',
  'ioredis 6.0.0',
] as const;
export const CLUSTER_KINDS = [
  'node-redis createCluster',
  'node-redis createCluster RESP2',
  'ioredis Cluster',
  'ioredis 6 Cluster',
  'ioredis 6 Cluster RESP2',
  'ioredis 6.0.0 Cluster',
] as const;
export const SENTINEL_KINDS = [
  'node-redis createSentinel',
  'node-redis createSentinel RESP2',
  'ioredis sentinels',
  'ioredis 6 sentinels',
  'ioredis 6 sentinels RESP2',
  'ioredis 6.0.0 sentinels',
] as const;
export type ClientKind =
  (typeof SINGLE_KINDS)[number] | (typeof CLUSTER_KINDS)[number] | (typeof SENTINEL_KINDS)[number];

/**
 * Each library at its current default, for the suites about the store's own logic (its keys, races, costs):
 * the replies' shapes are the subject of the contract, near-cache and reply-shape suites, on every kind.
 */
export const DEFAULT_KINDS = [
  'node-redis createClient',
  'ioredis',
  'ioredis 6',
  'node-redis createCluster',
  'ioredis Cluster',
  'ioredis 6 Cluster',
] as const satisfies readonly ClientKind[];

const isCluster = (kind: ClientKind): boolean => (CLUSTER_KINDS as readonly string[]).includes(kind);
const isSentinel = (kind: ClientKind): boolean => (SENTINEL_KINDS as readonly string[]).includes(kind);

interface IoredisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
}
interface Ioredis {
  Redis: new (options: Record<string, unknown>) => IoredisClient;
  Cluster: new (nodes: RedisNode[], options: Record<string, unknown>) => IoredisClient;
}
const IOREDIS = {
  5: { Redis, Cluster },
  6: { Redis: Redis6, Cluster: Cluster6 },
  '6.0.0': { Redis: Redis600, Cluster: Cluster600 },
} satisfies Record<string, Ioredis>;

/** The ioredis library and the options that pick its protocol; undefined for node-redis. */
function ioredisOf(kind: ClientKind): [Ioredis, { protocol?: 2 | 3 }] | undefined {
  if (kind.startsWith('ioredis 6.0.0')) return [IOREDIS['6.0.0'], {}];
  if (kind.startsWith('ioredis 6')) return [IOREDIS[6], kind.endsWith('RESP2') ? { protocol: 2 } : {}];
  // ioredis 5 has no `protocol` option: RESP2 only.
  return kind.startsWith('ioredis') ? [IOREDIS[5], {}] : undefined;
}

export interface RedisClients {
  connect(kind: ClientKind): Promise<StoreClient>;
  /** Closes every client `connect` made. */
  closeAll(): Promise<void>;
}

export function redisClients(servers: {
  server: RedisServer;
  cluster: RedisCluster;
  sentinel?: RedisSentinel;
}): RedisClients {
  const closers: (() => Promise<unknown>)[] = [];
  async function open(kind: ClientKind): Promise<StoreClient> {
    const url = new URL(servers.server.url);
    const rootNodes = servers.cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }));
    const sentinel = servers.sentinel;
    const io = ioredisOf(kind);
    if (io !== undefined) {
      const [{ Redis: Single, Cluster: Many }, protocol] = io;
      const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, ...protocol };
      const client = isCluster(kind)
        ? new Many([...servers.cluster.nodes], {
            enableOfflineQueue: false,
            lazyConnect: true,
            redisOptions: { maxRetriesPerRequest: 0, ...protocol },
          })
        : isSentinel(kind)
          ? new Single({ ...options, sentinels: [sentinel!.sentinel], name: sentinel!.name })
          : new Single({ ...options, host: url.hostname, port: Number(url.port) });
      await client.connect();
      closers.push(() => client.quit());
      return client;
    }
    const RESP = kind.endsWith('RESP2') ? 2 : 3;
    if (isCluster(kind)) {
      const client = await createCluster({
        rootNodes,
        RESP,
        defaults: { disableOfflineQueue: true },
      })
        .on('error', () => undefined)
        .connect();
      closers.push(() => client.close());
      return client;
    }
    if (isSentinel(kind)) {
      const client = createSentinel({
        name: sentinel!.name,
        sentinelRootNodes: [sentinel!.sentinel],
        RESP,
        nodeClientOptions: { disableOfflineQueue: true },
      });
      client.on('error', () => undefined);
      await client.connect();
      closers.push(() => client.close());
      return client;
    }
    // Some tests stop the server under a client: its reconnects are not this test's errors.
    const client = await createClient({ url: servers.server.url, RESP, disableOfflineQueue: true })
      .on('error', () => undefined)
      .connect();
    closers.push(() => client.close());
    return client;
  }
  return {
    connect: open,
    async closeAll() {
      for (const close of closers.splice(0)) await close().catch(() => undefined);
    },
  };
}

/**
 * A client of the same shape as `inner` (so the store routes its commands as it would without it) that
 * runs `before` with each command's arguments, awaited, before sending it; replies pass through untouched.
 */
export function intercept(
  inner: StoreClient,
  kind: ClientKind,
  before: (args: readonly string[]) => unknown,
): StoreClient {
  const call = async (args: string[], send: () => Promise<unknown>): Promise<unknown> => {
    await before(args);
    return send();
  };
  if ('call' in inner)
    return {
      call: (name: string, ...rest: string[]) => call([name, ...rest], () => inner.call(name, ...rest)),
    };
  if (isCluster(kind)) {
    const nodes = inner as {
      sendCommand(k: string | undefined, r: boolean | undefined, a: string[]): Promise<unknown>;
    };
    return {
      masters: [],
      sendCommand: (k: string | undefined, r: boolean | undefined, a: string[]) =>
        call(a, () => nodes.sendCommand(k, r, a)),
    };
  }
  if (isSentinel(kind)) {
    const pool = inner as { sendCommand(r: boolean | undefined, a: string[]): Promise<unknown> };
    return {
      getMasterNode: () => undefined,
      sendCommand: (r: boolean | undefined, a: string[]) => call(a, () => pool.sendCommand(r, a)),
    };
  }
  const single = inner as { sendCommand(a: string[]): Promise<unknown> };
  return { sendCommand: (a: string[]) => call(a, () => single.sendCommand(a)) };
}

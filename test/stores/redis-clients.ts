// Connected clients of every kind redisStore takes, each set up the way the README advises.
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisStoreOptions } from '../../src/index.js';
import type { RedisCluster, RedisSentinel, RedisServer } from './redis-server.js';

export type StoreClient = RedisStoreOptions['client'];

export const SINGLE_KINDS = ['node-redis createClient', 'ioredis'] as const;
export const CLUSTER_KINDS = ['node-redis createCluster', 'ioredis Cluster'] as const;
export const SENTINEL_KINDS = ['node-redis createSentinel', 'ioredis sentinels'] as const;
export type ClientKind =
  (typeof SINGLE_KINDS)[number] | (typeof CLUSTER_KINDS)[number] | (typeof SENTINEL_KINDS)[number];

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
    switch (kind) {
      case 'node-redis createClient': {
        const client = await createClient({ url: servers.server.url, disableOfflineQueue: true }).connect();
        closers.push(() => client.close());
        return client;
      }
      case 'node-redis createCluster': {
        const client = await createCluster({ rootNodes, defaults: { disableOfflineQueue: true } }).connect();
        closers.push(() => client.close());
        return client;
      }
      case 'node-redis createSentinel': {
        const client = createSentinel({
          name: sentinel!.name,
          sentinelRootNodes: [sentinel!.sentinel],
          nodeClientOptions: { disableOfflineQueue: true },
        });
        await client.connect();
        closers.push(() => client.close());
        return client;
      }
      case 'ioredis':
      case 'ioredis sentinels': {
        const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true };
        const client =
          kind === 'ioredis'
            ? new Redis(Number(url.port), url.hostname, options)
            : new Redis({ ...options, sentinels: [sentinel!.sentinel], name: sentinel!.name });
        await client.connect();
        closers.push(() => client.quit());
        return client;
      }
      case 'ioredis Cluster': {
        const client = new Cluster([...servers.cluster.nodes], {
          enableOfflineQueue: false,
          lazyConnect: true,
          redisOptions: { maxRetriesPerRequest: 0 },
        });
        await client.connect();
        closers.push(() => client.quit());
        return client;
      }
    }
  }
  return {
    connect: open,
    async closeAll() {
      for (const close of closers.splice(0)) await close().catch(() => undefined);
    },
  };
}

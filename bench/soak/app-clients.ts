import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisStoreOptions } from 'jwt-gate';
import type { Connection } from './topology.js';

/** The two clients redisStore takes. */
export const CLIENTS = ['node-redis', 'ioredis'] as const;
export type ClientName = (typeof CLIENTS)[number];

/**
 * A connected client for `connection`, built as docs/many-instances.md's table of set-ups says (plus `extra`, the
 * soak's `--client-options`, merged into the options of that row; `lazyConnect` only lets ioredis be
 * awaited like node-redis). Both clients emit `error` on every lost connection: an app listens, or
 * node-redis's error takes the process down (ioredis only logs it).
 */
export async function connectClient(
  connection: Connection,
  name: ClientName,
  extra: Record<string, unknown>,
): Promise<RedisStoreOptions['client']> {
  const listened = <T extends { on(event: 'error', listener: () => void): unknown }>(client: T): T => {
    client.on('error', () => undefined);
    return client;
  };
  if (name === 'ioredis') {
    const client =
      connection.setup === 'single'
        ? new Redis(connection.url, { enableOfflineQueue: false, lazyConnect: true, ...extra })
        : connection.setup === 'sentinel'
          ? new Redis({
              sentinels: [...connection.sentinels],
              name: connection.name,
              enableOfflineQueue: false,
              failoverDetector: true,
              lazyConnect: true,
              ...extra,
            })
          : new Cluster([...connection.nodes], { enableOfflineQueue: false, lazyConnect: true, ...extra });
    await listened(client).connect();
    return client;
  }
  if (connection.setup === 'single') {
    const client = listened(createClient({ url: connection.url, disableOfflineQueue: true, ...extra }));
    await client.connect();
    return client;
  }
  if (connection.setup === 'sentinel') {
    const client = listened(
      createSentinel({
        name: connection.name,
        sentinelRootNodes: [...connection.sentinels],
        nodeClientOptions: { disableOfflineQueue: true },
        ...extra,
      }),
    );
    await client.connect();
    return client;
  }
  const client = listened(
    createCluster({
      rootNodes: connection.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
      defaults: { disableOfflineQueue: true },
      ...extra,
    }),
  );
  await client.connect();
  return client;
}

// The session stores the attack tests run on: the memory store always, and a real Redis (a server of
// the test file's own) wherever redis-server can run; on CI it must.
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { memoryStore, redisStore, type SessionStore } from '../../src/index.js';
import { redisAvailable, redisServer } from '../stores/redis-server.js';

export const runRedis = redisAvailable || Boolean(process.env.CI);

/** What these tests need of a node-redis client. */
export interface RedisClient {
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}

export interface StoreKind {
  readonly name: 'memory' | 'redis';
  /** A fresh store on the test's clock; `prefix` is set for Redis, to read its keys. */
  make(now: () => number): { store: SessionStore; prefix: string | undefined };
}

/** Connects node-redis clients that the file destroys after all its tests (`queue`: commands wait while disconnected). */
export function redisClients(): (url: string, options?: { queue?: boolean }) => Promise<RedisClient> {
  const clients: RedisClient[] = [];
  afterAll(() => {
    for (const client of clients) {
      try {
        client.destroy();
      } catch {
        // already gone
      }
    }
  });
  return async (url, options = {}) => {
    const client = createClient({
      url,
      disableOfflineQueue: !options.queue,
      socket: { reconnectStrategy: () => 100 },
    });
    client.on('error', () => undefined);
    await client.connect();
    const handle: RedisClient = client;
    clients.push(handle);
    return handle;
  };
}

export interface StoreKinds {
  /** memory, then redis where it runs. */
  readonly kinds: readonly StoreKind[];
  /** The client on the file's Redis server, once its tests run. */
  redis(): RedisClient;
  /** TTL of a key on the file's Redis server, in seconds (-1: none). */
  ttlOf(key: string): Promise<number>;
  /** A field of a hash on the file's Redis server. */
  fieldOf(key: string, field: string): Promise<string | undefined>;
}

/** The store kinds of one test file; starts its Redis server before all its tests and stops it after. */
export function storeKinds(): StoreKinds {
  if (!runRedis)
    console.warn('redis-server is not installed: the Redis attack tests are skipped (CI installs it).');
  const server = redisServer();
  let client: RedisClient | undefined;
  let prefixes = 0;
  beforeAll(async () => {
    if (!runRedis) return;
    await server.start();
    client = await connect(server.url);
  });
  afterAll(async () => {
    if (runRedis) await server.stop().catch(() => undefined);
  });
  // Registered after the server's hooks, so its clients go before the server stops.
  const connect = redisClients();
  const redis = (): RedisClient => client!;
  return {
    kinds: [
      { name: 'memory', make: (now) => ({ store: memoryStore({ now }), prefix: undefined }) },
      ...(runRedis
        ? [
            {
              name: 'redis' as const,
              make: (now: () => number) => {
                const prefix = `attack-${process.pid}-${++prefixes}:`;
                return { store: redisStore({ client: redis(), prefix, now }), prefix };
              },
            },
          ]
        : []),
    ],
    redis,
    ttlOf: async (key) => Number(await redis().sendCommand(['TTL', key])),
    fieldOf: async (key, field) => {
      const value = await redis().sendCommand(['HGET', key, field]);
      return value === null ? undefined : String(value);
    },
  };
}

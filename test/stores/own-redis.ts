// A redis-server of one test file's own, started before its tests and stopped after them, with an ioredis
// client and key prefixes no other test (or process) uses. Call it at the top level of a test file.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { redisServer, runRedis, type RedisServer } from './redis-server.js';

export interface OwnRedis {
  readonly server: RedisServer;
  /** The client; only inside tests that run when `runRedis` is true. */
  readonly redis: () => Redis;
  /** `<name>-<pid>-<random>-<n>:`, a new one each call. */
  readonly freshPrefix: () => string;
}

export function ownRedis(name: string): OwnRedis {
  const server = redisServer();
  let client: Redis | undefined;
  beforeAll(async () => {
    if (!runRedis) return;
    await server.start();
    client = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    client?.disconnect();
    if (runRedis) await server.stop();
  });
  const tag = Math.random().toString(36).slice(2, 8);
  let prefixes = 0;
  return {
    server,
    redis: () => {
      if (client === undefined) throw new Error(`${name}: the Redis client is used outside a Redis test`);
      return client;
    },
    freshPrefix: () => `${name}-${process.pid}-${tag}-${++prefixes}:`,
  };
}

/** The `sid` claim of a token, read without verifying it. */
export const sidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

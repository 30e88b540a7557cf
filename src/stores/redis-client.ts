/** A `redis` (node-redis 4+) client from `createClient()`. */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}
/** A `redis` (node-redis 4+) Redis Cluster client from `createCluster()`: it has `masters`, or `getSlotMaster` in early 4.x. */
export type NodeRedisClusterClient = {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
} & ({ readonly masters: readonly unknown[] } | { getSlotMaster(slot: number): unknown });
/** A `redis` (node-redis 5+) client from `createSentinel()`. */
export interface NodeRedisSentinelClient {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getMasterNode(): unknown;
}
/** An `ioredis` client: `new Redis()`, `new Redis({ sentinels, name })` or `new Cluster()`. */
export interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export type RedisClient = NodeRedisClient | NodeRedisClusterClient | NodeRedisSentinelClient | IoRedisClient;

/** Sends one command; `key` is the key it touches first, which routes it on a cluster. */
export type Send = (key: string, args: string[]) => Promise<unknown>;

/** One way to send a command, whichever client it is: told apart by shape. */
export function commandOf(client: RedisClient | undefined): Send {
  const probe = client as
    | Partial<Record<'call' | 'sendCommand' | 'getMasterNode' | 'getSlotMaster' | 'masters', unknown>>
    | undefined;
  if (typeof probe?.call === 'function') {
    // ioredis routes a Cluster's commands by their keys itself.
    const io = client as IoRedisClient;
    return (_key, [name, ...args]) => io.call(name as string, ...args);
  }
  if (typeof probe?.sendCommand !== 'function')
    throw new TypeError('jwt-gate: redisStore "client" must be a redis or ioredis client');
  // isReadonly false: a replica may lag its master, and a revocation read there could be missed.
  if (Array.isArray(probe.masters) || typeof probe.getSlotMaster === 'function') {
    const cluster = client as NodeRedisClusterClient;
    return (key, args) => cluster.sendCommand(key, false, args);
  }
  if (typeof probe.getMasterNode === 'function') {
    const sentinel = client as NodeRedisSentinelClient;
    return (_key, args) => sentinel.sendCommand(false, args);
  }
  const node = client as NodeRedisClient;
  return (_key, args) => node.sendCommand(args);
}

/** `command`, failing after `timeoutDuration` ms: a client that queues while disconnected would hold a request forever. */
export function withTimeout(command: Send, timeoutDuration: number): Send {
  return async (key, args) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error('jwt-gate: Redis did not answer in time'));
      }, timeoutDuration);
    });
    try {
      return await Promise.race([command(key, args), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The entries of an XREAD reply for one stream, as `[id, fields]`, whichever client and protocol answered. */
export function streamEntries(reply: unknown): [string, string[]][] {
  if (reply === null || reply === undefined) return [];
  // ioredis (RESP2): [[stream, entries]]; node-redis: { stream: entries } (or a Map under RESP3).
  const streams: unknown[] = Array.isArray(reply)
    ? reply.map((pair: unknown) => (Array.isArray(pair) ? (pair[1] as unknown) : undefined))
    : reply instanceof Map
      ? [...reply.values()]
      : Object.values(reply as Record<string, unknown>);
  const entries = streams[0];
  if (streams.length !== 1 || !Array.isArray(entries))
    throw new Error('jwt-gate: Redis answered XREAD with an unexpected reply');
  return entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1]))
      throw new Error('jwt-gate: a revocation log entry has an unexpected shape');
    return [entry[0], (entry[1] as unknown[]).map(String)];
  });
}

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

// The one stream's entries: [[stream, entries]] under RESP2 (and from ioredis 6.1+ under RESP3);
// [stream, entries] from ioredis 6.0 under RESP3 (its default); { stream: entries } (or a Map) from
// node-redis under RESP3 (its default from node-redis 6) and from ioredis 6 with `replyMapping: 'resp3'`.
function onlyStream(reply: unknown): unknown {
  if (Array.isArray(reply)) {
    const pair: unknown = reply.length === 1 ? reply[0] : reply;
    return Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' ? pair[1] : undefined;
  }
  const streams =
    reply instanceof Map
      ? [...reply.values()]
      : typeof reply === 'object' && reply !== null
        ? Object.values(reply)
        : [];
  return streams.length === 1 ? streams[0] : undefined;
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The entries of an XREAD reply for one stream, as `[id, fields]`, whichever client and protocol
 * answered. Only `null` is "nothing new": anything unexpected throws, so that a reply this code
 * misreads can never keep the near cache trusted.
 */
export function streamEntries(reply: unknown): [string, string[]][] {
  if (reply === null) return [];
  const entries = onlyStream(reply);
  if (!Array.isArray(entries) || entries.length === 0)
    throw new Error('jwt-gate: Redis answered XREAD with an unexpected reply');
  return entries.map((entry: unknown): [string, string[]] => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || !isStrings(entry[1]))
      throw new Error('jwt-gate: a revocation log entry has an unexpected shape');
    return [entry[0], entry[1]];
  });
}

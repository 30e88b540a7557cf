/** A `redis` (node-redis 4+) client from `createClient()`. */
export interface NodeRedisClient {
  /** node-redis's raw command call. */
  sendCommand(args: string[]): Promise<unknown>;
}
/** A `redis` (node-redis 4+) Redis Cluster client from `createCluster()`: it has `masters`, or `getSlotMaster` in early 4.x. */
export type NodeRedisClusterClient = {
  /** node-redis's raw command call on a Cluster: the first key routes it to its master. */
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
} & (
  | { readonly masters: readonly unknown[] }
  | {
      /** Tells an early 4.x Cluster client apart, which has no `masters`. */
      getSlotMaster(slot: number): unknown;
    }
);
/** A `redis` (node-redis 5+) client from `createSentinel()`. */
export interface NodeRedisSentinelClient {
  /** node-redis's raw command call on a Sentinel client. */
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /** Tells a Sentinel client apart from the others; the store never reads from a replica. */
  getMasterNode(): unknown;
}
/** An `ioredis` client: `new Redis()`, `new Redis({ sentinels, name })` or `new Cluster()`. */
export interface IoRedisClient {
  /** ioredis's raw command call. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Any connected client `redisStore` takes, told apart by its shape. */
export type RedisClient = NodeRedisClient | NodeRedisClusterClient | NodeRedisSentinelClient | IoRedisClient;

/** Sends one command; `key` is the key it touches first, which routes it on a cluster. */
export type Send = (key: string, args: string[]) => Promise<unknown>;

/**
 * Sends a write, then `WAIT replicas timeout` on the same connection (WAIT counts the replicas that
 * have the connection's writes so far); resolves to the write's reply and how many replicas have it.
 */
export type SendAndWait = (
  key: string,
  args: string[],
  replicas: number,
  timeout: number,
) => Promise<[unknown, number]>;

/** A node-redis Sentinel's lease of one master connection. */
interface NodeRedisSentinelLease {
  use<T>(
    fn: (lease: {
      sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
    }) => Promise<T>,
  ): Promise<T>;
  getMasterNode(): unknown;
}

/** An ioredis client's pipeline: on a Cluster it goes to the node of its keys, a key-less WAIT included. */
interface IoRedisPipeline {
  pipeline(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** `SendAndWait` for `client`, whose commands go through `send`; a pipeline fails after `timeoutDuration` ms. */
export function waitingSendOf(client: RedisClient, send: Send, timeoutDuration: number): SendAndWait {
  const io = client as Partial<IoRedisPipeline>;
  if (typeof io.pipeline === 'function') {
    const pipeline = io.pipeline.bind(client);
    return async (_key, args, replicas, timeout) => {
      // Each command goes through the pipeline's own `call`, which takes any command by name.
      const replies = await timed(
        pipeline([
          ['call', ...args],
          ['call', 'WAIT', String(replicas), String(timeout)],
        ]).exec(),
        timeoutDuration,
      );
      const [write, wait] = replies ?? [];
      if (write?.[0]) throw write[0];
      if (wait?.[0]) throw wait[0];
      return [write?.[1], Number(wait?.[1])];
    };
  }
  // A node-redis Sentinel pools master connections (`masterPoolSize`): the write and its WAIT share
  // one leased connection, or WAIT would count another connection's writes.
  const pooled = client as Partial<NodeRedisSentinelLease>;
  if (typeof pooled.use === 'function' && typeof pooled.getMasterNode === 'function') {
    const use = pooled.use.bind(client);
    return (_key, args, replicas, timeout) =>
      timed(
        use(async (lease) => {
          const reply = await lease.sendCommand(false, args);
          return [reply, Number(await lease.sendCommand(false, ['WAIT', String(replicas), String(timeout)]))];
        }),
        timeoutDuration,
      );
  }
  // node-redis keeps one connection per node (per master, on a Cluster), and routes WAIT by the key
  // given to it: the write's connection.
  return async (key, args, replicas, timeout) => {
    const reply = await send(key, args);
    return [reply, Number(await send(key, ['WAIT', String(replicas), String(timeout)]))];
  };
}

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

/** `pending`, failing after `timeoutDuration` ms. */
async function timed<T>(pending: Promise<T>, timeoutDuration: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('jwt-gate: Redis did not answer in time'));
    }, timeoutDuration);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `command`, failing after `timeoutDuration` ms: a client that queues while disconnected would hold a request forever. */
export function withTimeout(command: Send, timeoutDuration: number): Send {
  return (key, args) => timed(command(key, args), timeoutDuration);
}

import { checkKnownKeys } from '../known-keys.js';
import type { SessionStatus, SessionStore } from './store.js';

/** A `redis` (node-redis 4+) client from `createClient()`. */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}
/** A `redis` (node-redis 4+) Redis Cluster client from `createCluster()`: it has `masters`, or `getSlotMaster` in early 4.x. */
export type NodeRedisClusterClient = {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
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

export interface RedisStoreOptions {
  /** A connected `redis` or `ioredis` client: single node, Sentinel or Cluster. */
  readonly client: NodeRedisClient | NodeRedisClusterClient | NodeRedisSentinelClient | IoRedisClient;
  /** Prepended to every key; no `{` or `}`. @default 'jwt-gate:' */
  readonly prefix?: string;
  /** The clock for TTLs, in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** How long one command may take before the request fails closed (503). @default 1000 */
  readonly timeoutDuration?: number;
}

/** Sends one command; `key` is the key it touches first, which routes it on a cluster. */
type Send = (key: string, args: string[]) => Promise<unknown>;

// Keeps the later not-before and the longer life of two "log out everywhere", in one atomic step.
// ARGV[2] is seconds to keep, or -1 (Redis's own "no expiry") for good.
const SET_LATER_NOT_BEFORE = `local current = redis.call('GET', KEYS[1])
local value = ARGV[1]
if current and tonumber(current) >= tonumber(ARGV[1]) then value = current end
local ttl = redis.call('TTL', KEYS[1])
local keep = tonumber(ARGV[2])
if keep == -1 or ttl == -1 then
  redis.call('SET', KEYS[1], value)
else
  redis.call('SET', KEYS[1], value, 'EX', math.max(keep, ttl))
end
return 1`;

function commandOf(client: RedisStoreOptions['client'] | undefined): Send {
  const probe = client as Partial<Record<'call' | 'sendCommand' | 'getMasterNode' | 'getSlotMaster' | 'masters', unknown>> | undefined;
  if (typeof probe?.call === 'function') {
    // ioredis routes a Cluster's commands by their keys itself.
    const io = client as IoRedisClient;
    return (_key, [name, ...args]) => io.call(name as string, ...args);
  }
  if (typeof probe?.sendCommand !== 'function') throw new TypeError('jwt-gate: redisStore "client" must be a redis or ioredis client');
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

// encodeURIComponent escapes `{`, `}`, `:` and `%`, so a subject can neither move its hash tag nor pose
// as another subject. It throws on a lone surrogate, which JSON allows: that one gets `%u` and its code unit.
const encodeSubject = (sub: string): string =>
  sub.replace(/[^\w.!~*'()-]/gu, (c) => (c.length === 1 && c >= '\uD800' && c <= '\uDFFF' ? `%u${c.charCodeAt(0).toString(16)}` : encodeURIComponent(c)));

const isSet = (value: unknown): boolean => value !== null && value !== undefined;

/**
 * Session state shared by every instance of an app, in Redis; keys expire with the tokens they name.
 * A subject's keys share one hash tag, so on a Redis Cluster one command answers for a token.
 */
export function redisStore(options: RedisStoreOptions): SessionStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: redisStore needs { client }');
  checkKnownKeys(options, ['client', 'prefix', 'now', 'timeoutDuration'], 'redisStore');
  const timeoutDuration = options.timeoutDuration ?? 1000;
  if (!Number.isSafeInteger(timeoutDuration) || timeoutDuration <= 0) throw new TypeError('jwt-gate: redisStore "timeoutDuration" must be whole milliseconds');
  const prefix = options.prefix ?? 'jwt-gate:';
  // A brace in the prefix would become the hash tag: every key in one slot, or a subject's keys in several.
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new TypeError('jwt-gate: redisStore "prefix" must be a string without "{" or "}"');
  const now = options.now ?? Date.now;
  const command = commandOf(options.client);
  // A client that queues commands while disconnected would hold the request forever: bound it.
  const send: Send = async (key, args) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('jwt-gate: Redis did not answer in time')), timeoutDuration);
    });
    try {
      return await Promise.race([command(key, args), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  // `${prefix}{sub:<subject>}:` holds all of a subject's keys; ids without a subject live under the bare prefix.
  const scope = (sub: string | undefined): string => (sub === undefined ? prefix : `${prefix}{sub:${encodeSubject(sub)}}:`);
  const idKey = (id: string, sub: string | undefined): string => `${scope(sub)}id:${id}`;
  const usedKey = (id: string, sub: string | undefined): string => `${scope(sub)}used:${id}`;
  const notBeforeKey = (sub: string): string => `${scope(sub)}nb`;
  // Whole seconds left until `until`; Infinity stays Infinity, a key with no TTL.
  const secondsUntil = (until: number): number => (until === Infinity ? Infinity : Math.ceil(until - now() / 1000));
  const expiry = (seconds: number): string[] => (seconds === Infinity ? [] : ['EX', String(seconds)]);

  return Object.freeze({
    async revoke(id: string, until: number, sub?: string): Promise<void> {
      const seconds = secondsUntil(until);
      const key = idKey(id, sub);
      if (seconds > 0) await send(key, ['SET', key, '1', ...expiry(seconds)]);
    },
    async useOnce(id: string, until: number, sub?: string): Promise<boolean> {
      const seconds = secondsUntil(until);
      const key = usedKey(id, sub);
      // SET NX is the atomic check-and-set: of concurrent callers exactly one gets OK.
      const reply = await send(key, ['SET', key, '1', 'NX', ...expiry(Math.max(1, seconds))]);
      return isSet(reply);
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const seconds = secondsUntil(until);
      const key = notBeforeKey(sub);
      if (seconds > 0) await send(key, ['EVAL', SET_LATER_NOT_BEFORE, '1', key, String(notBefore), String(seconds === Infinity ? -1 : seconds)]);
    },
    async status(ids: readonly string[], sub: string | undefined): Promise<SessionStatus> {
      if (sub === undefined) {
        // No subject, no shared hash tag: one GET an id, sent together, where one MGET could span slots.
        const replies = await Promise.all(ids.map((id) => idKey(id, undefined)).map((key) => send(key, ['GET', key])));
        return { revoked: replies.some(isSet), notBefore: undefined };
      }
      // One subject, one slot: a single MGET answers for the subject and every id.
      const keys = [notBeforeKey(sub), ...ids.map((id) => idKey(id, sub))];
      const reply = await send(keys[0] as string, ['MGET', ...keys]);
      // Anything but one answer a key would read as "not revoked": fail closed instead.
      if (!Array.isArray(reply) || reply.length !== keys.length) throw new Error('jwt-gate: Redis answered MGET with an unexpected reply');
      const [notBefore, ...revoked] = reply as unknown[];
      const since = isSet(notBefore) ? Number(String(notBefore)) : Number.NaN;
      return { revoked: revoked.some(isSet), notBefore: Number.isFinite(since) ? since : undefined };
    },
  });
}

import { checkKnownKeys, isWhole, optionError, positiveInteger } from '../validate.js';
import type { RedisClient } from './redis-client.js';

/** The client `redisStore` sends its commands through, and how it keeps revocations current and durable. */
export interface RedisStoreOptions {
  /** A connected `redis` or `ioredis` client: single node, Sentinel or Cluster. */
  readonly client: RedisClient;
  /** Prepended to every key; no `{` or `}`. @default 'jwt-gate:' */
  readonly prefix?: string;
  /**
   * A clock of the store's own, in milliseconds, for tests and fixtures: ends are then counted on it.
   * Left out, Redis's own clock decides when an entry ends. @default Date.now
   */
  readonly now?: () => number;
  /** How long one command may take before the request fails closed (503). @default 1000 */
  readonly timeoutDuration?: number;
  /**
   * Revocation state kept in this process, current to within `staleness` ms of every other process's
   * writes: a known token costs no round trip. `false` asks Redis on every request.
   * @default { max: 10000, staleness: 100 }
   */
  readonly nearCache?: NearCacheOptions | false;
  /**
   * The most live revocations and spent refresh tokens one subject keeps. Past it they fold into a
   * "log out everywhere" of that subject: an account that signs in and out in a loop fills only its
   * own share of Redis, and only its own logins end. Also the most live logins it keeps: a sign-in
   * past it ends the login idle the longest first. @default 100
   */
  readonly maxPerSubject?: number;
  /**
   * Acknowledge a revocation, a "log out everywhere" or a refresh only once this many replicas hold
   * it (`WAIT`); fewer in time is a 503. Without it, a failover can lose the last acknowledged writes.
   */
  readonly durability?: DurabilityOptions;
}

/** The revocation state each process keeps, so that a known token costs no round trip to Redis. */
export interface NearCacheOptions {
  /** The most token ids and subjects held. @default 10000 */
  readonly max?: number;
  /**
   * The longest a revocation written by another process may go unseen here, in ms: past it, without a
   * fresh read of the revocation log, every request asks Redis again. @default 100
   */
  readonly staleness?: number;
}

/** How many replicas must hold a write before a sign-out, refresh or sign-in is acknowledged. */
export interface DurabilityOptions {
  /** How many replicas must hold a write before it is acknowledged. */
  readonly replicas: number;
  /** How long to wait for them, in ms. @default 100 */
  readonly timeoutDuration?: number;
}

export interface ResolvedRedisStoreOptions {
  readonly client: RedisClient;
  readonly prefix: string;
  readonly now: (() => number) | undefined;
  readonly timeoutDuration: number;
  readonly nearCache: { readonly max: number; readonly staleness: number } | undefined;
  readonly maxPerSubject: number;
  readonly durability: { readonly replicas: number; readonly timeoutDuration: number } | undefined;
}

function resolveNearCache(value: unknown): ResolvedRedisStoreOptions['nearCache'] {
  if (value === false) return undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null))
    throw optionError('nearCache', 'an object or false', 'redisStore');
  const options = (value ?? {}) as NearCacheOptions;
  checkKnownKeys(options, ['max', 'staleness'], 'nearCache');
  const { max = 10_000, staleness = 100 } = options;
  positiveInteger(max, 'nearCache.max');
  if (!isWhole(staleness, 10)) throw optionError('nearCache.staleness', 'whole milliseconds, 10 or more');
  return { max, staleness };
}

function resolveDurability(value: unknown): ResolvedRedisStoreOptions['durability'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null)
    throw optionError('durability', 'an object like { replicas: 1 }', 'redisStore');
  checkKnownKeys(value, ['replicas', 'timeoutDuration'], 'durability');
  const { replicas, timeoutDuration = 100 } = value as DurabilityOptions;
  positiveInteger(replicas, 'durability.replicas');
  if (!isWhole(timeoutDuration, 1)) throw optionError('durability.timeoutDuration', 'whole milliseconds');
  return { replicas, timeoutDuration };
}

export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: redisStore needs { client }');
  checkKnownKeys(
    options,
    ['client', 'prefix', 'now', 'timeoutDuration', 'nearCache', 'maxPerSubject', 'durability'],
    'redisStore',
  );
  const timeoutDuration = options.timeoutDuration ?? 1000;
  if (!isWhole(timeoutDuration, 1)) throw optionError('timeoutDuration', 'whole milliseconds', 'redisStore');
  const prefix = options.prefix ?? 'jwt-gate:';
  // A brace in the prefix would become the hash tag: every key in one slot, or a subject's keys in several.
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw optionError('prefix', 'a string without "{" or "}"', 'redisStore');
  return {
    client: options.client,
    prefix,
    now: options.now,
    timeoutDuration,
    nearCache: resolveNearCache(options.nearCache),
    maxPerSubject: positiveInteger(options.maxPerSubject ?? 100, 'maxPerSubject', 'redisStore'),
    durability: resolveDurability(options.durability),
  };
}

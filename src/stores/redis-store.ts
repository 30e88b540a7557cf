import { checkKnownKeys, isWhole, optionError, positiveInteger } from '../validate.js';
import { NearCache, type Change } from './near-cache.js';
import { commandOf, withTimeout, type RedisClient } from './redis-client.js';
import { RevocationLog } from './revocation-log.js';
import type { SessionStatus, SessionStore, StatusOptions } from './store.js';

export type {
  IoRedisClient,
  NodeRedisClient,
  NodeRedisClusterClient,
  NodeRedisSentinelClient,
  RedisClient,
} from './redis-client.js';

export interface RedisStoreOptions {
  /** A connected `redis` or `ioredis` client: single node, Sentinel or Cluster. */
  readonly client: RedisClient;
  /** Prepended to every key; no `{` or `}`. @default 'jwt-gate:' */
  readonly prefix?: string;
  /**
   * A clock of the store's own, in milliseconds, for tests and fixtures: ends are then counted on it, as seconds
   * from now. Left out, ends are written as Unix times and Redis's own clock decides (EXAT). @default Date.now
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
}

export interface NearCacheOptions {
  /** The most token ids and subjects held. @default 10000 */
  readonly max?: number;
  /**
   * The longest a revocation written by another process may go unseen here, in ms: past it, without a
   * fresh read of the revocation log, every request asks Redis again. @default 100
   */
  readonly staleness?: number;
}

/** A session store in Redis. */
export interface RedisStore extends SessionStore {
  /** Stops reading the revocation log (the client stays yours to close). */
  close(): void;
}

// What Redis answered once is read again after this long, log or no log.
const KNOWLEDGE_MAX_AGE_MS = 30_000;

function resolveNearCache(value: unknown): { max: number; staleness: number } | undefined {
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

// An end is either Unix seconds by Redis's own clock (EXAT: an instance whose clock runs ahead cannot
// end a revocation early for the others) or, with the store's own `now` clock, seconds from now (EX).
// Both scripts keep the later of two ends: two concurrent writes never shorten what either meant to
// keep. ARGV "-1" keeps with no end.
const LATER_END = `local function later(key, unit, value)
  local ttl = redis.call('TTL', key)
  local keep = tonumber(value)
  if ttl >= 0 then
    if unit == 'EXAT' then keep = math.max(keep, tonumber(redis.call('TIME')[1]) + ttl) else keep = math.max(keep, ttl) end
  end
  return keep
end
`;

// KEYS[1] an id; ARGV[1] EXAT or EX, ARGV[2] its end.
const REVOKE_UNTIL = `${LATER_END}
if redis.call('TTL', KEYS[1]) == -1 then return 0 end
if ARGV[2] == '-1' then
  redis.call('SET', KEYS[1], '1')
else
  redis.call('SET', KEYS[1], '1', ARGV[1], later(KEYS[1], ARGV[1], ARGV[2]))
end
return 1`;

// KEYS[1] a subject's not-before; ARGV[1] EXAT or EX, ARGV[2] its end, ARGV[3] the not-before. The later not-before wins.
const SET_LATER_NOT_BEFORE = `${LATER_END}
local current = redis.call('GET', KEYS[1])
local value = ARGV[3]
if current and tonumber(current) >= tonumber(ARGV[3]) then value = current end
if ARGV[2] == '-1' or redis.call('TTL', KEYS[1]) == -1 then
  redis.call('SET', KEYS[1], value)
else
  redis.call('SET', KEYS[1], value, ARGV[1], later(KEYS[1], ARGV[1], ARGV[2]))
end
return 1`;

// encodeURIComponent escapes `{`, `}`, `:` and `%`, so a subject can neither move its hash tag nor pose
// as another subject. It throws on a lone surrogate, which JSON allows: that one gets `%u` and its code unit.
const encodeSubject = (sub: string): string =>
  sub.replace(/[^\w.!~*'()-]/gu, (c) =>
    c.length === 1 && c >= '\uD800' && c <= '\uDFFF'
      ? `%u${c.charCodeAt(0).toString(16)}`
      : encodeURIComponent(c),
  );

const isSet = (value: unknown): boolean => value !== null && value !== undefined;

/**
 * Session state shared by every instance of an app, in Redis; keys expire with the tokens they name.
 * A subject's keys share one hash tag, so on a Redis Cluster one command answers for a token. Each
 * process keeps a near cache of what it read, current through a log of revocations in Redis.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: redisStore needs { client }');
  checkKnownKeys(options, ['client', 'prefix', 'now', 'timeoutDuration', 'nearCache'], 'redisStore');
  const timeoutDuration = options.timeoutDuration ?? 1000;
  if (!isWhole(timeoutDuration, 1)) throw optionError('timeoutDuration', 'whole milliseconds', 'redisStore');
  const prefix = options.prefix ?? 'jwt-gate:';
  // A brace in the prefix would become the hash tag: every key in one slot, or a subject's keys in several.
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw optionError('prefix', 'a string without "{" or "}"', 'redisStore');
  const now = options.now ?? Date.now;
  const near = resolveNearCache(options.nearCache);
  const send = withTimeout(commandOf(options.client), timeoutDuration);
  // `${prefix}{sub:<subject>}:` holds all of a subject's keys; ids without a subject live under the bare prefix.
  const scope = (sub: string | undefined): string =>
    sub === undefined ? prefix : `${prefix}{sub:${encodeSubject(sub)}}:`;
  const idKey = (id: string, sub: string | undefined): string => `${scope(sub)}id:${id}`;
  const usedKey = (id: string, sub: string | undefined): string => `${scope(sub)}used:${id}`;
  const notBeforeKey = (sub: string): string => `${scope(sub)}nb`;
  // Whether `until` is still ahead by this instance's clock: a write for what has ended is skipped.
  const ahead = (until: number): boolean => until > now() / 1000;
  // Redis's clock decides, unless the store was given a clock of its own (tests, fixtures): then
  // ends are counted on that clock, as seconds from now.
  const unit = options.now === undefined ? 'EXAT' : 'EX';
  const end = (until: number): [string, string] => [
    unit,
    until === Infinity
      ? '-1'
      : String(unit === 'EXAT' ? Math.ceil(until) : Math.max(1, Math.ceil(until - now() / 1000))),
  ];
  const cache = near === undefined ? undefined : new NearCache(near.max, KNOWLEDGE_MAX_AGE_MS);
  const log =
    near === undefined || cache === undefined
      ? undefined
      : new RevocationLog(send, `${prefix}{log}`, cache, near.staleness);

  // The log entry goes out once the write is done, never beside it: a process that reads the entry and
  // then asks Redis must find the write there. Sent together, the two may reach two nodes of a Cluster
  // (or two connections) in either order: a process could read the entry of a subject it did not know,
  // read the subject before the write landed, and keep "not revoked" for KNOWLEDGE_MAX_AGE_MS.
  const write = async (key: string, args: string[], change: Change): Promise<void> => {
    await send(key, args);
    await log?.append(change);
  };

  async function ask(ids: readonly string[], sub: string | undefined): Promise<SessionStatus> {
    const generation = cache?.generation ?? 0;
    let revoked: boolean[];
    let notBefore: number | undefined;
    if (sub === undefined) {
      // No subject, no shared hash tag: one GET an id, sent together, where one MGET could span slots.
      const replies = await Promise.all(
        ids.map((id) => idKey(id, undefined)).map((key) => send(key, ['GET', key])),
      );
      revoked = replies.map(isSet);
    } else {
      // One subject, one slot: a single MGET answers for the subject and every id.
      const keys = [notBeforeKey(sub), ...ids.map((id) => idKey(id, sub))];
      const reply = await send(keys[0] as string, ['MGET', ...keys]);
      // Anything but one answer a key would read as "not revoked": fail closed instead.
      if (!Array.isArray(reply) || reply.length !== keys.length)
        throw new Error('jwt-gate: Redis answered MGET with an unexpected reply');
      const [since, ...values] = reply as unknown[];
      const parsed = isSet(since) ? Number(String(since)) : Number.NaN;
      notBefore = Number.isFinite(parsed) ? parsed : undefined;
      revoked = values.map(isSet);
    }
    cache?.fill(ids, sub, { revoked, notBefore }, generation, performance.now());
    return { revoked: revoked.some(Boolean), notBefore };
  }

  return Object.freeze({
    async revoke(id: string, until: number, sub?: string): Promise<void> {
      const key = idKey(id, sub);
      if (ahead(until))
        await write(key, ['EVAL', REVOKE_UNTIL, '1', key, ...end(until)], { kind: 'revoke', id, sub, until });
    },
    async useOnce(id: string, until: number, sub?: string): Promise<boolean> {
      const key = usedKey(id, sub);
      // At least a second ahead, or the mark would be gone before a second use could meet it.
      const ends = end(Math.max(until, Math.floor(now() / 1000) + 1));
      const at = until === Infinity ? [] : ends;
      // SET NX is the atomic check-and-set: of concurrent callers exactly one gets OK.
      const reply = await send(key, ['SET', key, '1', 'NX', ...at]);
      return isSet(reply);
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const key = notBeforeKey(sub);
      const args = ['EVAL', SET_LATER_NOT_BEFORE, '1', key, ...end(until), String(notBefore)];
      if (ahead(until)) await write(key, args, { kind: 'subject', sub, notBefore });
    },
    // At once from the near cache while the log is current; otherwise one round trip to Redis.
    status(
      ids: readonly string[],
      sub: string | undefined,
      statusOptions?: StatusOptions,
    ): SessionStatus | Promise<SessionStatus> {
      if (cache !== undefined && log !== undefined && statusOptions?.consistent !== true) {
        const monotonic = performance.now();
        const known = log.current(monotonic) ? cache.lookup(ids, sub, now() / 1000, monotonic) : undefined;
        if (known !== undefined) return known;
      }
      return ask(ids, sub);
    },
    close(): void {
      log?.close();
    },
  });
}

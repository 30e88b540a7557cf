import { NearCache, type Change, type Read } from './near-cache.js';
import { commandOf, waitingSendOf, withTimeout } from './redis-client.js';
import { resolveRedisStoreOptions, type RedisStoreOptions } from './redis-options.js';
import { redisKeys } from './redis-keys.js';
import { redisLogins } from './redis-logins.js';
import {
  CUT_SUBJECT,
  REPLICATED_HMGET,
  REVOKE_ALONE,
  REVOKE_IN_SUBJECT,
  USE_ALONE,
  USE_IN_SUBJECT,
} from './redis-scripts.js';
import { HOLD_MS, LATE_MS, RevocationLog } from './revocation-log.js';
import type { LoginStore, SessionStatus, SessionStore, StatusOptions, StoreEvent } from './store.js';

export type {
  IoRedisClient,
  NodeRedisClient,
  NodeRedisClusterClient,
  NodeRedisSentinelClient,
  RedisClient,
} from './redis-client.js';
export type { DurabilityOptions, NearCacheOptions, RedisStoreOptions } from './redis-options.js';

/** A session store in Redis. */
export interface RedisStore extends SessionStore {
  /** Stops reading the revocation log (the client stays yours to close). */
  close(): void;
  watch(listener: (event: StoreEvent) => void): void;
  /** Records a login at sign-in ("Your sessions"); see `LoginStore`. A store has all three login methods, or none. */
  addLogin: LoginStore['addLogin'];
  /** Moves a login's `lastActiveAt` at a refresh or a renewal; see `LoginStore`. */
  touchLogin: LoginStore['touchLogin'];
  /** A user's live logins, for `auth.logins`; see `LoginStore`. */
  logins: LoginStore['logins'];
}

// What Redis answered once is read again after this long, log or no log.
const KNOWLEDGE_MAX_AGE_MS = 30_000;

const isSet = (value: unknown): value is string | Buffer => value !== null && value !== undefined;

// An end as a script reads it: Unix seconds (or seconds on the store's own clock), or 'inf'.
const endArg = (until: number): string => (until === Infinity ? 'inf' : String(Math.ceil(until)));
const endOf = (value: string): number => (value === 'inf' ? Infinity : Number(value));

function replyOf(reply: unknown, length: number, command: string): unknown[] {
  // Anything but one answer a key would read as "not revoked": fail closed instead.
  if (!Array.isArray(reply) || reply.length !== length)
    throw new Error(`jwt-gate: Redis answered ${command} with an unexpected reply`);
  return reply as unknown[];
}

// A value that is there but no number (a key set by hand, another program's) would cut nothing: fail closed.
function numberOf(value: unknown): number | undefined {
  if (!isSet(value)) return undefined;
  const parsed = Number(String(value));
  if (!Number.isFinite(parsed))
    throw new Error('jwt-gate: Redis holds a cut or generation that is not a number');
  return parsed;
}

/**
 * Session state shared by every instance of an app, in Redis; keys expire with what they name. A
 * subject's state is one hash in one slot, so on a Redis Cluster one command answers for a token.
 * Each process keeps a near cache of what it read, current through a log of revocations in Redis.
 *
 * Every write goes to the log first, then to Redis with a deadline: a process that reads the entry
 * refuses at once what it revokes and asks Redis about that subject until the deadline has passed,
 * so a write whose entry nobody read cannot exist, and an entry whose write never landed only
 * refuses more for a while. See docs/many-instances.md, "A near cache in every process".
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const o = resolveRedisStoreOptions(options);
  const now = o.now ?? (() => Date.now());
  const send = withTimeout(commandOf(o.client), o.timeoutDuration);
  const sendAndWait = waitingSendOf(o.client, send, o.timeoutDuration + (o.durability?.timeoutDuration ?? 0));
  const keys = redisKeys(o.prefix);
  const cache =
    o.nearCache === undefined ? undefined : new NearCache(o.nearCache.max, KNOWLEDGE_MAX_AGE_MS, HOLD_MS);
  // Every instance writes the log, near cache or not: the others read it.
  const log = new RevocationLog(send, keys.log, cache, o.nearCache?.staleness ?? 0);
  // With the store's own clock, scripts count ends on it instead of on Redis's.
  const clock = (): string => (o.now === undefined ? '' : String(now() / 1000));

  // `change` undefined: nothing any process caches (a used id without a subject), so no log entry.
  async function write(
    key: string,
    script: string,
    args: readonly string[],
    change: Change | undefined,
  ): Promise<unknown> {
    const deadline = change === undefined ? '' : String((await log.append(change)) + LATE_MS);
    const command = ['EVAL', script, '1', key, deadline, clock(), String(o.maxPerSubject), ...args];
    let reply: unknown;
    if (o.durability === undefined) reply = await send(key, command);
    else {
      const { replicas, timeoutDuration } = o.durability;
      let acknowledged: number;
      [reply, acknowledged] = await sendAndWait(key, command, replicas, timeoutDuration);
      if (!(acknowledged >= replicas))
        throw new Error(
          `jwt-gate: ${acknowledged} of ${replicas} Redis replicas acknowledged the write in time`,
        );
    }
    if (Number(reply) === -1)
      throw new Error('jwt-gate: the write reached Redis after its deadline: dropped');
    return reply;
  }

  // A refresh token earlier versions marked used (a key of its own) stays used: read beside the spend,
  // which then counts for nothing. One key a command: a Cluster migrating the slot still answers.
  async function usedInSubject(sub: string, id: string, args: readonly string[]): Promise<unknown> {
    const legacy = keys.legacyUsed(sub, id);
    const [spent, reply] = await Promise.all([
      send(legacy, ['GET', legacy]),
      write(keys.subject(sub), USE_IN_SUBJECT, args, { kind: 'subject', sub }),
    ]);
    return isSet(spent) ? 0 : reply;
  }

  // With durability, the reads after which tokens are signed or a login ended come from a master that
  // still has its replicas: a master cut off in a partition answers from a past Sentinel has moved on
  // from (a generation older than the one every other instance reads, a revocation it never got).
  const lookUp = (key: string, fields: readonly string[], consistent: boolean): Promise<unknown> =>
    consistent && o.durability !== undefined
      ? send(key, ['EVAL', REPLICATED_HMGET, '1', key, String(o.durability.replicas), ...fields])
      : send(key, ['HMGET', key, ...fields]);

  async function ask(
    ids: readonly string[],
    sub: string | undefined,
    consistent = false,
  ): Promise<SessionStatus> {
    const epoch = cache?.epoch ?? 0;
    const t = now() / 1000;
    const live = (value: unknown): boolean =>
      // '1' is how earlier versions marked a revoked id, ended by the key's TTL.
      isSet(value) && (String(value) === '1' || endOf(String(value)) > t);
    let read: Read;
    if (sub === undefined) {
      // No subject, no shared hash tag: one GET an id, sent together, where one MGET could span slots.
      const replies = await Promise.all(
        ids.map((id) => keys.alone(id)).map((key) => send(key, ['GET', key])),
      );
      read = { revoked: replies.map(live), notBefore: undefined, generation: undefined, floor: undefined };
    } else {
      const key = keys.subject(sub);
      // Sent together, so one round trip: the subject's hash, and the keys earlier versions wrote, one
      // GET each (a command of several keys is refused while a Cluster migrates their slot).
      const [hash, floor, ...oldValues] = await Promise.all([
        lookUp(key, ['g', 'n', ...ids.map((id) => `i:${id}`)], consistent),
        ...keys.legacy(sub, ids).map((old) => send(old, ['GET', old])),
      ]);
      const [generation, notBefore, ...values] = replyOf(hash, ids.length + 2, 'HMGET');
      read = {
        revoked: values.map((value, i) => live(value) || isSet(oldValues[i])),
        notBefore: numberOf(notBefore),
        generation: numberOf(generation),
        // An earlier version's "log out everywhere" refused every token issued before it.
        floor: numberOf(floor),
      };
    }
    cache?.fill(ids, sub, read, epoch, performance.now());
    const { notBefore, generation, floor } = read;
    return { revoked: read.revoked.some(Boolean), notBefore, generation, floor };
  }

  // A login's record is no revocation: no log entry, and nothing any near cache holds changes.
  const logins = redisLogins({
    send,
    write: (key, script, args) => write(key, script, args, undefined),
    keys,
    clock,
  });

  return Object.freeze({
    ...logins,
    async revoke(id: string, until: number, sub?: string): Promise<void> {
      const change: Change = { kind: 'revoke', id, sub, until };
      if (sub === undefined) await write(keys.alone(id), REVOKE_ALONE, [endArg(until)], change);
      else await write(keys.subject(sub), REVOKE_IN_SUBJECT, [id, endArg(until)], change);
    },
    async useOnce(id: string, until: number, sub?: string, step = 1): Promise<boolean> {
      const args = [id, endArg(until), String(step)];
      // Log it as a change of the subject: past maxPerSubject, a use folds its entries into a cut.
      const reply =
        sub === undefined
          ? await write(keys.used(id), USE_ALONE, args.slice(1), undefined)
          : await usedInSubject(sub, id, args);
      return Number(reply) === 1;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const args = [String(notBefore), endArg(until)];
      await write(keys.subject(sub), CUT_SUBJECT, args, { kind: 'subject', sub });
    },
    // At once from the near cache while the log is current; otherwise one round trip to Redis.
    status(
      ids: readonly string[],
      sub: string | undefined,
      statusOptions?: StatusOptions,
    ): SessionStatus | Promise<SessionStatus> {
      if (cache !== undefined && statusOptions?.consistent !== true) {
        const monotonic = performance.now();
        const known = log.current(monotonic) ? cache.lookup(ids, sub, now() / 1000, monotonic) : undefined;
        if (known !== undefined) return known;
      }
      return ask(ids, sub, statusOptions?.consistent === true);
    },
    watch(listener: (event: StoreEvent) => void): void {
      log.watch(listener);
    },
    close(): void {
      log.close();
    },
  });
}

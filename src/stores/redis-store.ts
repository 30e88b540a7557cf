import { checkKnownKeys } from '../known-keys.js';
import type { SessionStatus, SessionStore } from './store.js';

/** A `redis` (node-redis 4+) client. */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>;
}
/** An `ioredis` client. */
export interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** A connected `redis` or `ioredis` client. */
  readonly client: NodeRedisClient | IoRedisClient;
  /** Prepended to every key. @default 'jwt-gate:' */
  readonly prefix?: string;
  /** The clock for TTLs, in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** How long one command may take before the request fails closed (503). @default 1000 */
  readonly timeoutDuration?: number;
}

// Keeps the later not-before of two concurrent "log out everywhere", in one atomic step.
// An ARGV[2] of 0 keeps the key with no end.
const SET_LATER_NOT_BEFORE = `local current = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  if ttl == 0 or redis.call('TTL', KEYS[1]) == -1 then
    redis.call('SET', KEYS[1], ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
  end
elseif ttl == 0 then
  redis.call('PERSIST', KEYS[1])
elseif redis.call('TTL', KEYS[1]) ~= -1 and redis.call('TTL', KEYS[1]) < ttl then
  redis.call('EXPIRE', KEYS[1], ttl)
end
return 1`;

/** Session state shared by every instance of an app, in Redis; keys expire with the tokens they name. */
export function redisStore(options: RedisStoreOptions): SessionStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: redisStore needs { client }');
  checkKnownKeys(options, ['client', 'prefix', 'now', 'timeoutDuration'], 'redisStore');
  const timeoutDuration = options.timeoutDuration ?? 1000;
  if (!Number.isSafeInteger(timeoutDuration) || timeoutDuration <= 0) throw new TypeError('jwt-gate: redisStore "timeoutDuration" must be whole milliseconds');
  const { client } = options;
  const prefix = options.prefix ?? 'jwt-gate:';
  const now = options.now ?? Date.now;
  let command: (args: string[]) => Promise<unknown>;
  if (typeof (client as IoRedisClient | undefined)?.call === 'function') {
    const io = client as IoRedisClient;
    command = ([name, ...args]) => io.call(name as string, ...args);
  } else if (typeof (client as NodeRedisClient | undefined)?.sendCommand === 'function') {
    const node = client as NodeRedisClient;
    command = (args) => node.sendCommand(args);
  } else {
    throw new TypeError('jwt-gate: redisStore "client" must be a redis or ioredis client');
  }
  // A client that queues commands while disconnected would hold the request forever: bound it.
  const send = (args: string[]): Promise<unknown> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('jwt-gate: Redis did not answer in time')), timeoutDuration);
    });
    return Promise.race([command(args), timeout]).finally(() => clearTimeout(timer));
  };
  const idKey = (id: string): string => `${prefix}id:${id}`;
  const usedKey = (id: string): string => `${prefix}used:${id}`;
  const subKey = (sub: string): string => `${prefix}sub:${sub}`;
  const ttl = (until: number): number => Math.ceil(until - now() / 1000);

  return Object.freeze({
    async revoke(id: string, until: number): Promise<void> {
      const seconds = ttl(until);
      if (seconds === Infinity) await send(['SET', idKey(id), '1']);
      else if (seconds > 0) await send(['SET', idKey(id), '1', 'EX', String(seconds)]);
    },
    async useOnce(id: string, until: number): Promise<boolean> {
      // SET NX is the atomic check-and-set: of concurrent callers exactly one gets OK.
      const reply = await send(['SET', usedKey(id), '1', 'NX', 'EX', String(Math.max(1, ttl(until)))]);
      return reply !== null && reply !== undefined;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const seconds = ttl(until);
      // 0 stands for "no end" in the script.
      if (seconds > 0) await send(['EVAL', SET_LATER_NOT_BEFORE, '1', subKey(sub), String(notBefore), seconds === Infinity ? '0' : String(seconds)]);
    },
    async status(ids: readonly string[], sub: string | undefined): Promise<SessionStatus> {
      if (ids.length === 0 && sub === undefined) return { revoked: false, notBefore: undefined };
      // One round trip for every question; a missing subject asks for a key nobody writes.
      const reply = await send(['MGET', subKey(sub ?? ''), ...ids.map(idKey)]);
      const [notBefore, ...revoked] = Array.isArray(reply) ? (reply as unknown[]) : [];
      const since = sub === undefined || notBefore === null || notBefore === undefined ? Number.NaN : Number(String(notBefore));
      return {
        revoked: revoked.some((value) => value !== null && value !== undefined),
        notBefore: Number.isFinite(since) ? since : undefined,
      };
    },
  });
}

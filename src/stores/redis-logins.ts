import type { Send } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';
import { ADD_LOGIN, LIST_LOGINS, TOUCH_LOGIN } from './redis-login-scripts.js';
import type { AddedLogin, LoginMeta, LoginStore, NewLogin, StoredLogin } from './store.js';

/** A write of redisStore's: its script, with the deadline, clock and limit before `args`. No log entry. */
export type LoginWrite = (key: string, script: string, args: readonly string[]) => Promise<unknown>;

interface RedisLoginsContext {
  readonly send: Send;
  readonly write: LoginWrite;
  readonly keys: RedisKeys;
  /** The store's own clock as a script reads it ('' for Redis's). */
  readonly clock: () => string;
}

const unexpected = (what: string): Error =>
  new Error(`jwt-gate: Redis answered ${what} with an unexpected reply`);

const strings = (reply: unknown, what: string): string[] => {
  if (!Array.isArray(reply)) throw unexpected(what);
  return reply.map((value: unknown) => {
    if (typeof value !== 'string' && !Buffer.isBuffer(value)) throw unexpected(what);
    return String(value);
  });
};

// Meta is the app's, written by this store as JSON; anything else in its place (a field set by hand)
// reads as none rather than fail a whole list.
function metaOf(json: string): LoginMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') meta[name] = value;
  return meta;
}

/** The logins' records of a redisStore: fields of each subject's hash, in its one slot. */
export function redisLogins({ send, write, keys, clock }: RedisLoginsContext): LoginStore {
  return {
    async addLogin(sub: string, login: NewLogin): Promise<AddedLogin> {
      const key = keys.subject(sub);
      const args = [
        login.id,
        String(login.end),
        String(Math.ceil(login.until)),
        String(login.at),
        JSON.stringify(login.meta),
      ];
      // Beside it, in the same round trip: the "log out everywhere" of 0.1, which sign-in waits out.
      const [floorKey] = keys.legacy(sub, []) as [string];
      const [reply, floor] = await Promise.all([
        write(key, ADD_LOGIN, args),
        send(floorKey, ['GET', floorKey]),
      ]);
      const [outcome, ...rest] = strings(reply, 'a sign-in');
      if (outcome === 'full') return { full: rest };
      const generation = Number(rest[0]);
      if (outcome !== 'ok' || !Number.isSafeInteger(generation)) throw unexpected('a sign-in');
      if (floor === null || floor === undefined) return { generation };
      const value =
        typeof floor === 'string' || Buffer.isBuffer(floor) ? Number(floor.toString()) : Number.NaN;
      if (!Number.isFinite(value))
        throw new Error('jwt-gate: Redis holds a cut or generation that is not a number');
      return { generation, floor: value };
    },
    async touchLogin(sub: string, sid: string, at: number): Promise<void> {
      const key = keys.subject(sub);
      await send(key, ['EVAL', TOUCH_LOGIN, '1', key, '', clock(), sid, String(at)]);
    },
    async logins(sub: string): Promise<readonly StoredLogin[]> {
      const key = keys.subject(sub);
      const flat = strings(await send(key, ['EVAL', LIST_LOGINS, '1', key, '', clock()]), 'a list of logins');
      const list: StoredLogin[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const parts = /^[^:]*:(\d+):(\d+):([^]*)$/.exec(flat[i + 1] as string);
        if (parts === null) continue;
        list.push({
          sid: flat[i] as string,
          signedInAt: Number(parts[1]),
          lastActiveAt: Number(parts[2]),
          meta: metaOf(parts[3] as string),
        });
      }
      return list;
    },
  };
}

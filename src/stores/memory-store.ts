import { checkKnownKeys } from '../known-keys.js';
import type { SessionStatus, SessionStore } from './store.js';

export interface MemoryStoreOptions {
  /** The most entries kept; past it, expired entries go first, then the oldest. @default 100000 */
  readonly max?: number;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface MemoryStore extends SessionStore {
  /** Entries held now; never more than `max`. */
  readonly size: number;
}

/** A bounded in-process store: state for one process only (use `redisStore` for several). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKnownKeys(options, ['max', 'now'], 'memoryStore');
  const max = options.max ?? 100_000;
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('jwt-gate: memoryStore "max" must be a positive whole number');
  const now = options.now ?? Date.now;
  // Maps keep insertion order, which is close to expiry order: the first entry is evicted first.
  const revoked = new Map<string, number>();
  const used = new Map<string, number>();
  const subjects = new Map<string, { notBefore: number; until: number }>();
  const size = (): number => revoked.size + subjects.size + used.size;

  // Drops expired entries from the front only, so each insert costs O(1) amortised.
  function dropExpired<V>(map: Map<string, V>, untilOf: (value: V) => number, t: number): void {
    for (const [key, value] of map) {
      if (untilOf(value) > t) return;
      map.delete(key);
    }
  }

  let lastSweep = -Infinity;
  function makeRoom(): void {
    if (size() < max) return;
    const t = now() / 1000;
    dropExpired(revoked, (until) => until, t);
    dropExpired(subjects, (entry) => entry.until, t);
    dropExpired(used, (until) => until, t);
    // Entries live for different times, so expired ones may hide behind live ones: a full sweep,
    // at most once a second, before anything live is evicted.
    if (size() >= max && t - lastSweep >= 1) {
      lastSweep = t;
      for (const [key, until] of revoked) if (until <= t) revoked.delete(key);
      for (const [key, until] of used) if (until <= t) used.delete(key);
      for (const [key, entry] of subjects) if (entry.until <= t) subjects.delete(key);
    }
    while (size() >= max) {
      const oldest = [revoked, used].find((map) => map.size > 0);
      if (oldest) oldest.delete(oldest.keys().next().value as string);
      else subjects.delete(subjects.keys().next().value as string);
    }
  }

  return Object.freeze({
    get size(): number {
      return size();
    },
    async revoke(id: string, until: number): Promise<void> {
      if (until <= now() / 1000) return;
      revoked.delete(id);
      makeRoom();
      revoked.set(id, until);
    },
    async useOnce(id: string, until: number): Promise<boolean> {
      const previous = used.get(id);
      if (previous !== undefined && previous > now() / 1000) return false;
      used.delete(id);
      makeRoom();
      used.set(id, until);
      return true;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const current = subjects.get(sub);
      subjects.delete(sub);
      makeRoom();
      subjects.set(sub, { notBefore: Math.max(notBefore, current?.notBefore ?? notBefore), until: Math.max(until, current?.until ?? until) });
    },
    async status(ids: readonly string[], sub: string | undefined): Promise<SessionStatus> {
      const t = now() / 1000;
      const subject = sub === undefined ? undefined : subjects.get(sub);
      return {
        revoked: ids.some((id) => (revoked.get(id) ?? 0) > t),
        notBefore: subject !== undefined && subject.until > t ? subject.notBefore : undefined,
      };
    },
  });
}

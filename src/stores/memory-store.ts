import { checkKnownKeys } from '../known-keys.js';
import { ExpiryHeap } from './expiry-heap.js';
import type { SessionStatus, SessionStore } from './store.js';

export interface MemoryStoreOptions {
  /**
   * The most entries kept (about 240 bytes each). When full, expired entries go first; then the
   * oldest live one goes and every token issued before it was written is refused. @default 100000
   */
  readonly max?: number;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface MemoryStore extends SessionStore {
  /** Entries held now; never more than `max`. */
  readonly size: number;
}

interface Entry {
  readonly key: string;
  readonly until: number;
  /** When it was written: every token it speaks for was issued at or before this. */
  readonly written: number;
  /** A subject's not-before; `undefined` for a revoked or used id. */
  readonly notBefore: number | undefined;
}

/** A bounded in-process store: state for one process only (use `redisStore` for several). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKnownKeys(options, ['max', 'now'], 'memoryStore');
  const max = options.max ?? 100_000;
  if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('jwt-gate: memoryStore "max" must be a positive whole number');
  const now = options.now ?? Date.now;
  // Insertion order is write order (a rewrite moves to the back): the front is the oldest entry.
  const entries = new Map<string, Entry>();
  const expiries = new ExpiryHeap<Entry>();
  // The store-wide not-before, raised only when a live entry had to go.
  let floor: number | undefined;

  const live = (key: string, t: number): Entry | undefined => {
    const entry = entries.get(key);
    return entry !== undefined && entry.until > t ? entry : undefined;
  };

  // Forgets only by refusing more: a live entry goes last, and takes every older token with it.
  function makeRoom(t: number): void {
    for (let next = expiries.peek(); entries.size >= max && next !== undefined && next.until <= t; next = expiries.peek()) {
      expiries.pop();
      if (entries.get(next.key) === next) entries.delete(next.key);
    }
    while (entries.size >= max) {
      const oldest = entries.values().next().value as Entry;
      entries.delete(oldest.key);
      // A revoked or used token was issued at or before its entry was written, in whole seconds.
      const refuseBefore = oldest.notBefore ?? Math.floor(oldest.written) + 1;
      floor = Math.max(floor ?? refuseBefore, refuseBefore);
    }
    // Entries overwritten or deleted leave stale heap nodes; rebuild before they outnumber the live.
    if (expiries.size > 2 * entries.size + 64) expiries.rebuild([...entries.values()]);
  }

  function put(key: string, until: number, notBefore: number | undefined, t: number): void {
    entries.delete(key);
    makeRoom(t);
    const entry: Entry = { key, until, written: t, notBefore };
    entries.set(key, entry);
    if (until !== Infinity) expiries.push(entry);
  }

  return Object.freeze({
    get size(): number {
      return entries.size;
    },
    async revoke(id: string, until: number): Promise<void> {
      const t = now() / 1000;
      if (until > t) put(`i:${id}`, until, undefined, t);
    },
    async useOnce(id: string, until: number): Promise<boolean> {
      const t = now() / 1000;
      if (live(`u:${id}`, t) !== undefined) return false;
      put(`u:${id}`, until, undefined, t);
      return true;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const t = now() / 1000;
      const current = live(`s:${sub}`, t);
      put(`s:${sub}`, Math.max(until, current?.until ?? until), Math.max(notBefore, current?.notBefore ?? notBefore), t);
    },
    status(ids: readonly string[], sub: string | undefined): SessionStatus {
      const t = now() / 1000;
      const subject = sub === undefined ? undefined : live(`s:${sub}`, t)?.notBefore;
      return {
        revoked: ids.some((id) => live(`i:${id}`, t) !== undefined),
        notBefore: subject === undefined ? floor : floor === undefined ? subject : Math.max(subject, floor),
      };
    },
  });
}

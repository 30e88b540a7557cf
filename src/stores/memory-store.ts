import { checkKnownKeys, positiveInteger } from '../validate.js';
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
  /** The map it lives in: revoked ids, used ids, or subjects. */
  readonly map: Map<string, Entry>;
  readonly until: number;
  /** When it was written: every token it speaks for was issued at or before this. */
  readonly written: number;
  /** Write order across the three maps: the lowest is the oldest entry. */
  readonly seq: number;
  /** A subject's not-before; `undefined` for a revoked or used id. */
  readonly notBefore: number | undefined;
}

/** A bounded in-process store: state for one process only (use `redisStore` for several). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKnownKeys(options, ['max', 'now'], 'memoryStore');
  const max = positiveInteger(options.max ?? 100_000, 'max', 'memoryStore');
  const now = options.now ?? Date.now;
  // Keyed by the names as given, so a look-up builds no string. Insertion order is write order (a
  // rewrite moves to the back): each map's front is its oldest entry.
  const revoked = new Map<string, Entry>();
  const used = new Map<string, Entry>();
  const subjects = new Map<string, Entry>();
  const maps = [revoked, used, subjects] as const;
  const size = (): number => revoked.size + used.size + subjects.size;
  const expiries = new ExpiryHeap<Entry>();
  let seq = 0;
  // The store-wide not-before, raised only when a live entry had to go.
  let floor: number | undefined;
  // The answer for a token nothing refuses, shared while the floor stays where it is.
  let clear: SessionStatus = Object.freeze({ revoked: false, notBefore: undefined });

  const live = (map: Map<string, Entry>, key: string, t: number): Entry | undefined => {
    const entry = map.get(key);
    return entry !== undefined && entry.until > t ? entry : undefined;
  };

  function oldest(): Entry {
    let found: Entry | undefined;
    for (const map of maps) {
      const front = map.values().next().value;
      if (front !== undefined && (found === undefined || front.seq < found.seq)) found = front;
    }
    return found as Entry;
  }

  // Forgets only by refusing more: a live entry goes last, and takes every older token with it.
  function makeRoom(t: number): void {
    for (
      let next = expiries.peek();
      size() >= max && next !== undefined && next.until <= t;
      next = expiries.peek()
    ) {
      expiries.pop();
      if (next.map.get(next.key) === next) next.map.delete(next.key);
    }
    while (size() >= max) {
      const entry = oldest();
      entry.map.delete(entry.key);
      // A revoked or used token was issued at or before its entry was written, in whole seconds.
      const refuseBefore = entry.notBefore ?? Math.floor(entry.written) + 1;
      floor = Math.max(floor ?? refuseBefore, refuseBefore);
      clear = Object.freeze({ revoked: false, notBefore: floor });
    }
    // Entries overwritten or deleted leave stale heap nodes; rebuild before they outnumber the live.
    if (expiries.size > 2 * size() + 64)
      expiries.rebuild([...revoked.values(), ...used.values(), ...subjects.values()]);
  }

  function put(
    map: Map<string, Entry>,
    key: string,
    until: number,
    notBefore: number | undefined,
    t: number,
  ): void {
    map.delete(key);
    makeRoom(t);
    const entry: Entry = { key, map, until, written: t, seq: seq++, notBefore };
    map.set(key, entry);
    if (until !== Infinity) expiries.push(entry);
  }

  return Object.freeze({
    get size(): number {
      return size();
    },
    async revoke(id: string, until: number): Promise<void> {
      const t = now() / 1000;
      // Two revocations of one id keep the later end: a second never shortens the first.
      if (until > t) put(revoked, id, Math.max(until, live(revoked, id, t)?.until ?? until), undefined, t);
    },
    async useOnce(id: string, until: number): Promise<boolean> {
      const t = now() / 1000;
      if (live(used, id, t) !== undefined) return false;
      put(used, id, until, undefined, t);
      return true;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      const t = now() / 1000;
      const current = live(subjects, sub, t);
      put(
        subjects,
        sub,
        Math.max(until, current?.until ?? until),
        Math.max(notBefore, current?.notBefore ?? notBefore),
        t,
      );
    },
    // On every request: no string built, and no object when nothing refuses the token.
    status(ids: readonly string[], sub: string | undefined): SessionStatus {
      const t = now() / 1000;
      let isRevoked = false;
      for (let i = 0; i < ids.length; i++)
        if (live(revoked, ids[i] as string, t) !== undefined) isRevoked = true;
      const subject = sub === undefined ? undefined : live(subjects, sub, t)?.notBefore;
      if (!isRevoked && subject === undefined) return clear;
      return {
        revoked: isRevoked,
        notBefore: subject === undefined ? floor : floor === undefined ? subject : Math.max(subject, floor),
      };
    },
  });
}

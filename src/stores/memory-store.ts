import { checkKnownKeys, positiveInteger } from '../validate.js';
import { ExpiryHeap } from './expiry-heap.js';
import type { SessionStatus, SessionStore } from './store.js';

export interface MemoryStoreOptions {
  /**
   * The most entries kept (about 240 bytes each). When full, expired entries go first; then the
   * oldest live one goes and every token issued before it was written is refused. @default 100000
   */
  readonly max?: number;
  /**
   * The most live revocations and spent refresh tokens one subject keeps; past it they fold into a
   * "log out everywhere" of that subject, so one account cannot fill the store. @default 100
   */
  readonly maxPerSubject?: number;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface MemoryStore extends SessionStore {
  /** Entries held now; never more than `max`. */
  readonly size: number;
}

interface Entry {
  readonly until: number;
  /** When it was written: every token it speaks for was issued at or before this. */
  readonly written: number;
  /** Takes it out of the map it lives in. */
  readonly drop: () => void;
}
interface Used extends Entry {
  readonly step: number;
}
interface Cut extends Entry {
  readonly generation: number;
  readonly notBefore: number;
}
/** Where an entry lives: how to put it there, and how to take it out. */
interface Place<E> {
  readonly set: (entry: E) => void;
  readonly remove: (entry: E) => void;
}
/** What one subject holds: its revoked and used ids, and its "log out everywhere". */
interface Subject {
  readonly revoked: Map<string, Entry>;
  readonly used: Map<string, Used>;
  cut: Cut | undefined;
}

// A fold refuses the subject's tokens without a login generation issued up to this long after it,
// as redisStore does: they may come from a process whose clock is that far ahead.
const FOLD_MARGIN = 300;

/** A bounded in-process store: state for one process only (use `redisStore` for several). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKnownKeys(options, ['max', 'maxPerSubject', 'now'], 'memoryStore');
  const max = positiveInteger(options.max ?? 100_000, 'max', 'memoryStore');
  const maxPerSubject = positiveInteger(options.maxPerSubject ?? 100, 'maxPerSubject', 'memoryStore');
  const now = options.now ?? Date.now;
  // Ids are keyed by the names as given, so a look-up builds no string.
  const subjects = new Map<string, Subject>();
  const alone = new Map<string, Entry>();
  const usedAlone = new Map<string, Used>();
  // Every entry in write order (a rewrite moves to the back): the front is the oldest.
  const all = new Set<Entry>();
  const expiries = new ExpiryHeap<Entry>();
  // The store-wide floor, raised only when a live entry had to go.
  let floor: number | undefined;
  // The answer for a token nothing refuses, shared while the floor stays where it is.
  let clear: SessionStatus = Object.freeze({ revoked: false, notBefore: undefined });

  const isLive = <E extends Entry>(entry: E | undefined, t: number): entry is E =>
    entry !== undefined && entry.until > t;

  // Not put in `subjects` until an entry is set in it: a write that keeps nothing leaves nothing.
  const subjectOf = (sub: string): Subject =>
    subjects.get(sub) ?? { revoked: new Map(), used: new Map(), cut: undefined };
  const dropSubjectIfEmpty = (sub: string, subject: Subject): void => {
    if (subject.revoked.size === 0 && subject.used.size === 0 && subject.cut === undefined)
      subjects.delete(sub);
  };

  // Forgets only by refusing more: a live entry goes last, and takes every older token with it.
  function makeRoom(t: number): void {
    for (
      let next = expiries.peek();
      all.size >= max && next !== undefined && next.until <= t;
      next = expiries.peek()
    ) {
      expiries.pop();
      if (all.delete(next)) next.drop();
    }
    while (all.size >= max) {
      const oldest = all.values().next().value as Entry;
      all.delete(oldest);
      oldest.drop();
      // Whole-second iat: a token it spoke for was issued in its second or before.
      const refuseBefore = Math.floor(oldest.written) + 1;
      floor = Math.max(floor ?? refuseBefore, refuseBefore);
      clear = Object.freeze({ revoked: false, notBefore: undefined, floor });
    }
    // Entries overwritten or deleted leave stale heap nodes; rebuild before they outnumber the live.
    if (expiries.size > 2 * all.size + 64) expiries.rebuild([...all]);
  }

  /** Writes an entry in place of `replacing`, once there is room; `place` says where it lives. */
  function add<E extends Entry>(
    replacing: Entry | undefined,
    make: (drop: () => void) => E,
    place: Place<E>,
    t: number,
  ): void {
    if (replacing !== undefined && all.delete(replacing)) replacing.drop();
    makeRoom(t);
    const entry = make(() => {
      place.remove(entry);
    });
    place.set(entry);
    all.add(entry);
    if (entry.until !== Infinity) expiries.push(entry);
  }

  // Where an entry of `id` lives: a subject's map (put back in `subjects` if it left meanwhile), or one of its own.
  function slot<E extends Entry>(
    map: Map<string, E>,
    id: string,
    sub: string | undefined,
    subject: Subject | undefined,
  ): Place<E> {
    return {
      set: (entry) => {
        map.set(id, entry);
        if (sub !== undefined && subject !== undefined) subjects.set(sub, subject);
      },
      remove: (entry) => {
        if (map.get(id) !== entry) return;
        map.delete(id);
        if (sub !== undefined && subject !== undefined) dropSubjectIfEmpty(sub, subject);
      },
    };
  }

  function cut(sub: string, notBefore: number, until: number, t: number): void {
    const before = subjectOf(sub);
    // Every token the subject's entries refused, the cut refuses: they go.
    for (const entry of [...before.revoked.values(), ...before.used.values()])
      if (all.delete(entry)) entry.drop();
    const subject = subjectOf(sub);
    const current = isLive(subject.cut, t) ? subject.cut : undefined;
    add(
      subject.cut,
      (drop): Cut => ({
        until: Math.max(until, current?.until ?? until),
        written: t,
        drop,
        generation: (current?.generation ?? 0) + 1,
        notBefore: Math.max(notBefore, current?.notBefore ?? notBefore),
      }),
      {
        set: (entry) => {
          subject.cut = entry;
          subjects.set(sub, subject);
        },
        remove: (entry) => {
          if (subject.cut !== entry) return;
          subject.cut = undefined;
          dropSubjectIfEmpty(sub, subject);
        },
      },
      t,
    );
  }

  // Past maxPerSubject live entries, the subject's entries fold into a cut of its own, kept for good:
  // its logins' refreshed tokens would come back when a cut with an end had ended.
  function bound(sub: string, subject: Subject, t: number): void {
    if (subject.revoked.size + subject.used.size <= maxPerSubject) return;
    let live = 0;
    for (const entry of [...subject.revoked.values(), ...subject.used.values()]) if (entry.until > t) live++;
    if (live > maxPerSubject) cut(sub, t + FOLD_MARGIN, Infinity, t);
  }

  return Object.freeze({
    get size(): number {
      return all.size;
    },
    async revoke(id: string, until: number, sub?: string): Promise<void> {
      const t = now() / 1000;
      const subject = sub === undefined ? undefined : subjectOf(sub);
      const map = subject?.revoked ?? alone;
      const current = map.get(id);
      // Two revocations of one id keep the later end: a second never shortens the first.
      const end = Math.max(until, isLive(current, t) ? current.until : until);
      if (end <= t) return;
      add(current, (drop): Entry => ({ until: end, written: t, drop }), slot(map, id, sub, subject), t);
      if (sub !== undefined && subject !== undefined) bound(sub, subject, t);
    },
    async useOnce(id: string, until: number, sub?: string, step = 1): Promise<boolean> {
      const t = now() / 1000;
      const subject = sub === undefined ? undefined : subjectOf(sub);
      const map = subject?.used ?? usedAlone;
      const current = map.get(id);
      if (isLive(current, t) && current.step >= step) return false;
      const end = Math.max(until, t + 1, isLive(current, t) ? current.until : until);
      add(current, (drop): Used => ({ until: end, written: t, drop, step }), slot(map, id, sub, subject), t);
      if (sub !== undefined && subject !== undefined) bound(sub, subject, t);
      return true;
    },
    async revokeSubject(sub: string, notBefore: number, until: number): Promise<void> {
      cut(sub, notBefore, until, now() / 1000);
    },
    // On every request: no string built, and no object when nothing refuses the token.
    status(ids: readonly string[], sub: string | undefined): SessionStatus {
      const t = now() / 1000;
      const subject = sub === undefined ? undefined : subjects.get(sub);
      const map = sub === undefined ? alone : subject?.revoked;
      let isRevoked = false;
      if (map !== undefined)
        for (let i = 0; i < ids.length; i++) if (isLive(map.get(ids[i] as string), t)) isRevoked = true;
      const current = isLive(subject?.cut, t) ? subject?.cut : undefined;
      if (!isRevoked && current === undefined) return clear;
      return { revoked: isRevoked, notBefore: current?.notBefore, generation: current?.generation, floor };
    },
  });
}

import { checkKnownKeys, positiveInteger } from '../validate.js';
import { ExpiryHeap } from './expiry-heap.js';
import { FOLD_AHEAD } from './fold.js';
import { CUT, LOGIN, REVOKED, USED, entriesOf, isLive, type Entry, type Subject } from './memory-entry.js';
import { memoryLogins } from './memory-logins.js';
import type { LoginStore, SessionStatus, SessionStore } from './store.js';

/** How much `memoryStore` keeps, and its clock. */
export interface MemoryStoreOptions {
  /**
   * The most entries kept (about 300 bytes each with their ids). When full, expired entries go first;
   * then the oldest live one goes and every token issued before it was written is refused. @default 100000
   */
  readonly max?: number;
  /**
   * The most live revocations and spent refresh tokens one subject keeps; past it they fold into a
   * "log out everywhere" of that subject, so one account cannot fill the store. Also the most live
   * logins it keeps: a sign-in past it ends the login idle the longest first. @default 100
   */
  readonly maxPerSubject?: number;
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

export interface MemoryStore extends SessionStore {
  /** Entries held now; never more than `max`. */
  readonly size: number;
  /** Records a login at sign-in ("Your sessions"); see `LoginStore`. A store has all three login methods, or none. */
  addLogin: LoginStore['addLogin'];
  /** Moves a login's `lastActiveAt` at a refresh or a renewal; see `LoginStore`. */
  touchLogin: LoginStore['touchLogin'];
  /** A user's live logins, for `auth.logins`; see `LoginStore`. */
  logins: LoginStore['logins'];
}

/** A bounded in-process store: state for one process only (use `redisStore` for several). */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  checkKnownKeys(options, ['max', 'maxPerSubject', 'now'], 'memoryStore');
  const max = positiveInteger(options.max ?? 100_000, 'max', 'memoryStore');
  const maxPerSubject = positiveInteger(options.maxPerSubject ?? 100, 'maxPerSubject', 'memoryStore');
  const now = options.now ?? (() => Date.now());
  // Ids are keyed by the names as given, so a look-up builds no string.
  const subjects = new Map<string, Subject>();
  const alone = new Map<string, Entry>();
  const usedAlone = new Map<string, Entry>();
  // Every entry in write order (a rewrite moves to the back): the front is the oldest.
  const all = new Set<Entry>();
  const expiries = new ExpiryHeap<Entry>();
  // The store-wide floor, raised only when a live entry had to go.
  let floor: number | undefined;
  // The answer for a token nothing refuses, shared while the floor stays where it is.
  let clear: SessionStatus = Object.freeze({ revoked: false, notBefore: undefined });

  function mapOf(kind: Entry['kind'], subject: Subject | undefined): Map<string, Entry> {
    if (subject === undefined) return kind === REVOKED ? alone : usedAlone;
    if (kind === REVOKED) return (subject.revoked ??= new Map<string, Entry>());
    if (kind === LOGIN) return (subject.logins ??= new Map<string, Entry>());
    return (subject.used ??= new Map<string, Entry>());
  }

  // Takes an entry out of wherever it lives; a subject left with nothing goes too.
  function drop(entry: Entry): void {
    all.delete(entry);
    const subject = entry.sub === undefined ? undefined : subjects.get(entry.sub);
    if (entry.kind === CUT) {
      if (subject?.cut === entry) subject.cut = undefined;
    } else {
      const map =
        entry.sub === undefined
          ? mapOf(entry.kind, undefined)
          : entry.kind === REVOKED
            ? subject?.revoked
            : entry.kind === LOGIN
              ? subject?.logins
              : subject?.used;
      if (map?.get(entry.id) === entry) map.delete(entry.id);
    }
    if (
      subject !== undefined &&
      entry.sub !== undefined &&
      subject.cut === undefined &&
      entriesOf(subject) === 0 &&
      (subject.logins?.size ?? 0) === 0
    )
      subjects.delete(entry.sub);
  }

  // Forgets only by refusing more: a live entry goes last, and takes every older token with it.
  function makeRoom(t: number): void {
    for (
      let next = expiries.peek();
      all.size >= max && next !== undefined && next.until <= t;
      next = expiries.peek()
    ) {
      expiries.pop();
      if (all.has(next)) drop(next);
    }
    while (all.size >= max) {
      const oldest = all.values().next().value as Entry;
      drop(oldest);
      // Whole-second iat: a token it spoke for was issued in its second or before.
      const refuseBefore = Math.floor(oldest.written) + 1;
      floor = Math.max(floor ?? refuseBefore, refuseBefore);
      clear = Object.freeze({ revoked: false, notBefore: undefined, floor });
    }
    // Entries overwritten or deleted leave stale heap nodes; rebuild before they outnumber the live.
    if (expiries.size > 2 * all.size + 64) expiries.rebuild([...all]);
  }

  /** Writes `entry` in place of `replacing`, once there is room. */
  function add(entry: Entry, replacing: Entry | undefined, t: number): void {
    if (replacing !== undefined && all.has(replacing)) drop(replacing);
    makeRoom(t);
    const sub = entry.sub;
    let subject: Subject | undefined;
    if (sub !== undefined) {
      subject = subjects.get(sub);
      if (subject === undefined)
        subjects.set(
          sub,
          (subject = { revoked: undefined, used: undefined, cut: undefined, logins: undefined }),
        );
    }
    if (entry.kind === CUT) (subject as Subject).cut = entry;
    else mapOf(entry.kind, subject).set(entry.id, entry);
    all.add(entry);
    if (entry.until !== Infinity) expiries.push(entry);
  }

  /** Raises `sub`'s generation; every token its entries refused, the cut refuses: they go, and its logins end. */
  function cut(sub: string, notBefore: number, until: number, t: number): void {
    const subject = subjects.get(sub);
    for (const map of [subject?.revoked, subject?.used, subject?.logins])
      for (const entry of [...(map?.values() ?? [])]) drop(entry);
    const current = subjects.get(sub)?.cut;
    const held = isLive(current, t) ? current : undefined;
    const entry: Entry = {
      kind: CUT,
      id: '',
      sub,
      until: Math.max(until, held?.until ?? until),
      written: t,
      // Never a generation handed out before, even once this one is forgotten: at least the time in ms.
      count: Math.max((held?.count ?? 0) + 1, Math.floor(t * 1000)),
      notBefore: Math.max(notBefore, held?.notBefore ?? notBefore),
      login: undefined,
    };
    add(entry, current, t);
  }

  // Past maxPerSubject live entries, the subject's entries fold into a cut of its own, kept for good:
  // its logins' refreshed tokens would come back when a cut with an end had ended.
  function bound(sub: string, t: number): void {
    const subject = subjects.get(sub);
    if (subject === undefined || entriesOf(subject) <= maxPerSubject) return;
    let live = 0;
    for (const map of [subject.revoked, subject.used])
      for (const entry of map?.values() ?? []) if (entry.until > t) live++;
    if (live > maxPerSubject) cut(sub, t + FOLD_AHEAD, Infinity, t);
  }

  function find(kind: typeof REVOKED | typeof USED, id: string, sub: string | undefined): Entry | undefined {
    if (sub === undefined) return mapOf(kind, undefined).get(id);
    const subject = subjects.get(sub);
    return (kind === REVOKED ? subject?.revoked : subject?.used)?.get(id);
  }

  const logins = memoryLogins({
    maxPerSubject,
    now: () => now() / 1000,
    subject: (sub) => subjects.get(sub),
    add,
    drop,
    floor: () => floor,
  });

  return Object.freeze({
    ...logins,
    get size(): number {
      return all.size;
    },
    async revoke(id: string, until: number, sub?: string): Promise<void> {
      const t = now() / 1000;
      const current = find(REVOKED, id, sub);
      // Two revocations of one id keep the later end: a second never shortens the first.
      const end = Math.max(until, isLive(current, t) ? current.until : until);
      if (sub !== undefined && id.startsWith('sid:')) {
        // The revocation refuses the login's every refresh: its record and spent steps can go.
        const login = id.slice(4);
        const ended = [subjects.get(sub)?.logins?.get(login), find(USED, `rt:${login}`, sub)];
        for (const entry of ended) if (entry !== undefined) drop(entry);
      }
      if (end <= t) return;
      add(
        { kind: REVOKED, id, sub, until: end, written: t, count: 0, notBefore: 0, login: undefined },
        current,
        t,
      );
      if (sub !== undefined) bound(sub, t);
    },
    async useOnce(id: string, until: number, sub?: string, step = 1): Promise<boolean> {
      const t = now() / 1000;
      const current = find(USED, id, sub);
      if (isLive(current, t) && current.count >= step) return false;
      const end = Math.max(until, t + 1, isLive(current, t) ? current.until : until);
      add(
        { kind: USED, id, sub, until: end, written: t, count: step, notBefore: 0, login: undefined },
        current,
        t,
      );
      if (sub !== undefined) bound(sub, t);
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
      return { revoked: isRevoked, notBefore: current?.notBefore, generation: current?.count, floor };
    },
  });
}

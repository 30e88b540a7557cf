import type { SessionStatus } from './store.js';

/** What one process read of one subject's state (or of the ids of tokens without a subject). */
interface Known {
  generation: number | undefined;
  notBefore: number | undefined;
  floor: number | undefined;
  /** Revoked until (NumericDate seconds), or 0 for "not revoked" as of the read. */
  readonly ids: Map<string, number>;
  /** Monotonic ms after which this is read again from Redis, log or no log. */
  readonly expires: number;
}

/** A subject (or an id without one) whose state is changing: Redis is asked, and nothing read is kept. */
interface Hold {
  until: number;
  /** What the log says is revoked, and until when (NumericDate seconds): refused at once. */
  readonly ids: Map<string, number>;
}

/** One change the revocation log carries. */
export type Change =
  | { readonly kind: 'revoke'; readonly id: string; readonly sub: string | undefined; readonly until: number }
  /** Anything else of a subject's: a "log out everywhere", a spent refresh token (which may fold). */
  | { readonly kind: 'subject'; readonly sub: string };

/** What a read of Redis found for one subject and some of its ids. */
export interface Read {
  readonly revoked: readonly boolean[];
  readonly notBefore: number | undefined;
  readonly generation: number | undefined;
  readonly floor: number | undefined;
}

// The answers nearly every request gets: shared.
const CLEAR: SessionStatus = Object.freeze({ revoked: false, notBefore: undefined });
const REVOKED: SessionStatus = Object.freeze({ revoked: true, notBefore: undefined });

// Tokens without `sub` are known under a name no subject can have; their holds are by id.
const NO_SUBJECT = Symbol('no subject');
type SubjectKey = string | typeof NO_SUBJECT;
const keyOf = (sub: string | undefined): SubjectKey => (sub === undefined ? NO_SUBJECT : sub);
const holdKeyOf = (id: string): string => `\0${id}`;

/**
 * Revocation state near the process, in front of Redis: filled by reads, kept current by the
 * revocation log. Bounded by `max` ids; the oldest subjects go first, to be read again when needed.
 *
 * A log entry is written before its change reaches Redis, which may take up to the write's deadline.
 * So an entry puts its subject on hold for `hold` ms: Redis is asked on every request and nothing it
 * answers is kept (it may predate the change), while what the entry itself revokes is refused at once.
 * Knowledge read from Redis is dropped after `maxAge` ms even when no entry came in.
 */
export class NearCache {
  readonly #known = new Map<SubjectKey, Known>();
  /** In the order their holds end: the front ends first. */
  readonly #holds = new Map<string, Hold>();
  readonly #max: number;
  readonly #maxAge: number;
  readonly #hold: number;
  #size = 0;
  /** Monotonic ms until which nothing is answered or kept: more holds than `max`, or a log it cannot read. */
  #distrustUntil = -Infinity;
  /** Changes whenever everything is forgotten: a read sent before that must not fill the cache. */
  epoch = 0;

  constructor(max: number, maxAge: number, hold: number) {
    this.#max = max;
    this.#maxAge = maxAge;
    this.#hold = hold;
  }

  /** The answer for a token, when every part of it is known; `undefined` sends the caller to Redis. */
  lookup(
    ids: readonly string[],
    sub: string | undefined,
    nowSeconds: number,
    monotonic: number,
  ): SessionStatus | undefined {
    if (monotonic < this.#distrustUntil) return undefined;
    if (this.#holds.size > 0) {
      const held = this.#held(ids, sub, nowSeconds, monotonic);
      if (held !== false) return held;
    }
    const known = this.#known.get(keyOf(sub));
    if (known === undefined || known.expires <= monotonic) return undefined;
    let revoked = false;
    for (let i = 0; i < ids.length; i++) {
      const until = known.ids.get(ids[i] as string);
      if (until === undefined) return undefined;
      if (until > nowSeconds) revoked = true;
    }
    const { notBefore, generation, floor } = known;
    if (!revoked && notBefore === undefined && generation === undefined && floor === undefined) return CLEAR;
    return { revoked, notBefore, generation, floor };
  }

  /** Remembers what Redis answered, read when the cache was at `epoch`. */
  fill(ids: readonly string[], sub: string | undefined, read: Read, epoch: number, monotonic: number): void {
    if (epoch !== this.epoch || monotonic < this.#distrustUntil) return;
    if (this.#holds.size > 0 && this.#held(ids, sub, 0, monotonic) !== false) return;
    const key = keyOf(sub);
    let known = this.#known.get(key);
    if (known === undefined || known.expires <= monotonic) {
      this.#forget(key);
      known = {
        notBefore: undefined,
        generation: undefined,
        floor: undefined,
        ids: new Map(),
        expires: monotonic + this.#maxAge,
      };
      this.#known.set(key, known);
      // The subject counts once, however often it is read again.
      this.#size++;
    }
    known.notBefore = read.notBefore;
    known.generation = read.generation;
    known.floor = read.floor;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      if (!known.ids.has(id)) this.#size++;
      // A revoked id read from Redis ends when its token does: until the knowledge is read again.
      known.ids.set(id, read.revoked[i] ? Infinity : 0);
    }
    this.#shrink();
  }

  /** Applies an entry of the log (or this process's own): its subject, or its id, goes on hold. */
  apply(change: Change, monotonic: number): void {
    const alone = change.kind === 'revoke' && change.sub === undefined ? change.id : undefined;
    if (alone === undefined) this.#forget(change.sub as string);
    else if (this.#known.get(NO_SUBJECT)?.ids.delete(alone) === true) this.#size--;
    // Held while distrusted too: once the distrust ends, what came meanwhile is still on hold.
    const key = alone === undefined ? (change.sub as string) : holdKeyOf(alone);
    const hold = this.#holds.get(key) ?? { until: 0, ids: new Map<string, number>() };
    this.#holds.delete(key);
    hold.until = monotonic + this.#hold;
    if (change.kind === 'revoke')
      hold.ids.set(change.id, Math.max(hold.ids.get(change.id) ?? 0, change.until));
    this.#holds.set(key, hold);
    this.prune(monotonic);
    // Holds are never dropped while they last: past `max` of them, distrust everything as long instead.
    if (this.#holds.size > this.#max) this.distrust(monotonic);
  }

  /** Answers nothing and keeps nothing for `ms` (a hold's time): the log could not say what changed. */
  distrust(monotonic: number, ms: number = this.#hold): void {
    this.#distrustUntil = Math.max(this.#distrustUntil, monotonic + ms);
    // Every hold ends within this time: none is needed until it is over.
    this.#holds.clear();
    this.clear();
  }

  /** Forgets everything read: after a gap in the log, nothing read can be trusted. Holds stay. */
  clear(): void {
    this.epoch++;
    this.#known.clear();
    this.#size = 0;
  }

  /** Drops the holds that have ended. */
  prune(monotonic: number): void {
    for (const [key, hold] of this.#holds) {
      if (hold.until > monotonic) return;
      this.#holds.delete(key);
    }
  }

  // REVOKED or `undefined` (ask Redis) when the token is on hold; false when it is not.
  #held(
    ids: readonly string[],
    sub: string | undefined,
    nowSeconds: number,
    monotonic: number,
  ): SessionStatus | undefined | false {
    if (sub !== undefined) {
      const hold = this.#holds.get(sub);
      if (hold === undefined || hold.until <= monotonic) return false;
      for (let i = 0; i < ids.length; i++)
        if ((hold.ids.get(ids[i] as string) ?? 0) > nowSeconds) return REVOKED;
      return undefined;
    }
    let onHold = false;
    for (let i = 0; i < ids.length; i++) {
      const hold = this.#holds.get(holdKeyOf(ids[i] as string));
      if (hold === undefined || hold.until <= monotonic) continue;
      if ((hold.ids.get(ids[i] as string) ?? 0) > nowSeconds) return REVOKED;
      onHold = true;
    }
    return onHold ? undefined : false;
  }

  #forget(key: SubjectKey): void {
    const known = this.#known.get(key);
    if (known === undefined) return;
    this.#size -= known.ids.size + 1;
    this.#known.delete(key);
  }

  #shrink(): void {
    for (const key of this.#known.keys()) {
      if (this.#size <= this.#max) return;
      this.#forget(key);
    }
  }
}

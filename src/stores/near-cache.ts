import type { SessionStatus } from './store.js';

/** What one process knows of one subject's revocations (or of the ids of tokens without a subject). */
interface Known {
  notBefore: number | undefined;
  /** Revoked until (NumericDate seconds), or 0 for "not revoked" as of the last read. */
  readonly ids: Map<string, number>;
  /** Monotonic ms after which this is read again from Redis, log or no log. */
  readonly expires: number;
}

/** One change the revocation log carries. */
export type Change =
  | { readonly kind: 'revoke'; readonly id: string; readonly sub: string | undefined; readonly until: number }
  | { readonly kind: 'subject'; readonly sub: string; readonly notBefore: number };

// The answer for a token nothing refuses: shared, as it is the answer to nearly every request.
const CLEAR: SessionStatus = Object.freeze({ revoked: false, notBefore: undefined });

// Tokens without `sub` are known under a name no subject can have.
const NO_SUBJECT = Symbol('no subject');
type SubjectKey = string | typeof NO_SUBJECT;
const keyOf = (sub: string | undefined): SubjectKey => (sub === undefined ? NO_SUBJECT : sub);

/**
 * Revocation state near the process, in front of Redis: filled by reads, kept current by the
 * revocation log. Bounded by `max` ids; the oldest subjects go first, to be read again when needed.
 * Knowledge read from Redis is dropped after `maxAge` ms even when no change came in, so that a
 * change the log never carried (a write cut short, a key set by hand) is picked up in the end.
 */
export class NearCache {
  readonly #known = new Map<SubjectKey, Known>();
  readonly #max: number;
  readonly #maxAge: number;
  #size = 0;
  /** Changes whenever the cache learns something or forgets everything: a read older than a change must not fill it. */
  generation = 0;

  constructor(max: number, maxAge: number) {
    this.#max = max;
    this.#maxAge = maxAge;
  }

  /** The answer for a token, when every part of it is known; `undefined` sends the caller to Redis. */
  lookup(
    ids: readonly string[],
    sub: string | undefined,
    nowSeconds: number,
    monotonic: number,
  ): SessionStatus | undefined {
    const known = this.#known.get(keyOf(sub));
    if (known === undefined || known.expires <= monotonic) return undefined;
    let revoked = false;
    for (let i = 0; i < ids.length; i++) {
      const until = known.ids.get(ids[i] as string);
      if (until === undefined) return undefined;
      if (until > nowSeconds) revoked = true;
    }
    return !revoked && known.notBefore === undefined ? CLEAR : { revoked, notBefore: known.notBefore };
  }

  /** Remembers what Redis answered, read when the cache was at `generation`. */
  fill(
    ids: readonly string[],
    sub: string | undefined,
    status: { readonly revoked: readonly boolean[]; readonly notBefore: number | undefined },
    generation: number,
    monotonic: number,
  ): void {
    if (generation !== this.generation) return;
    const key = keyOf(sub);
    let known = this.#known.get(key);
    if (known === undefined || known.expires <= monotonic) {
      this.#forget(key);
      known = { notBefore: status.notBefore, ids: new Map(), expires: monotonic + this.#maxAge };
      this.#known.set(key, known);
      // The subject counts once, however often it is read again.
      this.#size++;
    }
    known.notBefore = status.notBefore;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      if (!known.ids.has(id)) this.#size++;
      // A revoked key read from Redis ends when its token does: until the knowledge is read again.
      known.ids.set(id, status.revoked[i] ? Infinity : 0);
    }
    this.#shrink();
  }

  /** Applies a change from the log, or from this process's own write. */
  apply(change: Change): void {
    this.generation++;
    const known = this.#known.get(keyOf(change.sub));
    if (known === undefined) return;
    if (change.kind === 'subject')
      known.notBefore = Math.max(known.notBefore ?? change.notBefore, change.notBefore);
    else {
      if (!known.ids.has(change.id)) this.#size++;
      known.ids.set(change.id, change.until);
      this.#shrink();
    }
  }

  /** Forgets everything: after a gap in the log, nothing known can be trusted. */
  clear(): void {
    this.generation++;
    this.#known.clear();
    this.#size = 0;
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

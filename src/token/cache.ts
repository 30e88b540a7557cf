import { checkKnownKeys, isWhole, optionError } from '../validate.js';

/** The verified-token cache (`createAuth`'s `cache`): how many tokens it keeps, and how long a token it takes. */
export interface TokenCacheOptions {
  /** The most tokens held; the least recently used one makes room for a new one. */
  readonly max: number;
  /** Longer tokens are never cached, so the tokens held take at most `max × maxTokenLength` bytes. @default 2048 */
  readonly maxTokenLength?: number;
}

/** When a cached verdict may be served, in seconds since the epoch: `notBefore <= now < expires`. */
export interface CacheWindow {
  /** The token's `exp`: the entry is dropped at this instant, whatever the clock tolerance. */
  readonly expires: number;
  /** The earliest instant (the token's `nbf`, less any clock tolerance); none when absent. */
  readonly notBefore?: number | undefined;
}

interface Entry<V> {
  readonly key: string;
  token: string;
  value: V;
  expires: number;
  notBefore: number;
  // The recency list: `newer` points towards the most recently used entry.
  newer: Entry<V> | undefined;
  older: Entry<V> | undefined;
}

// Entries are found by the token's last characters (its signature: 192 bits for HS256 and RS256),
// then matched on the whole token. Hashing a whole 250–600 character token costs 1.5–2 ns a
// character on every lookup; 32 characters cost a tenth of that, and the full comparison is a memcmp.
const KEY_LENGTH = 32;

function cacheBound(value: unknown, name: string): number {
  if (!isWhole(value, 1)) throw optionError(`cache.${name}`, 'a whole number, 1 or more');
  return value;
}

/** The `cache` option: its bounds, or `undefined` for `cache: false`. */
export function resolveCache(value: unknown, maxTokenBytes: number): TokenCacheOptions | undefined {
  if (value === false) return undefined;
  if (value !== undefined && (typeof value !== 'object' || value === null))
    throw optionError('cache', 'an object like { max: 1000 } or false');
  const options = (value ?? {}) as TokenCacheOptions;
  checkKnownKeys(options, ['max', 'maxTokenLength'], 'cache');
  // TokenCache checks both numbers when createAuth builds it.
  return Object.freeze({
    max: options.max ?? 1000,
    maxTokenLength: options.maxTokenLength ?? Math.min(2048, maxTokenBytes),
  });
}

/**
 * A bounded least-recently-used map from a verified token to what its verification produced.
 * It never serves an entry outside its {@link CacheWindow}: the clock is checked on every `get`,
 * and an entry past `expires` is dropped. It decides nothing else: the caller re-runs whatever
 * must be checked on every request (claims against the clock, revocation, the current key).
 * Recency is a linked list, not a Map re-insertion: a delete-and-set of one key in a 10,000-entry
 * Map costs V8 about 26 µs (bench/RESULTS.md), moving a list node a few nanoseconds.
 */
export class TokenCache<V> {
  readonly #max: number;
  readonly #maxTokenLength: number;
  readonly #entries = new Map<string, Entry<V>>();
  #newest: Entry<V> | undefined;
  #oldest: Entry<V> | undefined;

  constructor(options: TokenCacheOptions) {
    if (typeof options !== 'object' || options === null)
      throw optionError('cache', 'an object like { max: 1000 } or false');
    this.#max = cacheBound(options.max, 'max');
    this.#maxTokenLength = cacheBound(options.maxTokenLength ?? 2048, 'maxTokenLength');
  }

  /** How many tokens are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value stored for exactly `token`, when `nowSeconds` is inside its window; else `undefined`. */
  get(token: string, nowSeconds: number): V | undefined {
    if (token.length > this.#maxTokenLength || token.length < KEY_LENGTH) return undefined;
    const entry = this.#entries.get(token.slice(-KEY_LENGTH));
    if (entry === undefined || entry.token !== token) return undefined;
    if (!(nowSeconds < entry.expires)) {
      this.#remove(entry);
      return undefined;
    }
    // Not yet valid (a clock that went back): a miss, so the caller's full check refuses it.
    if (!(nowSeconds >= entry.notBefore)) return undefined;
    this.#touch(entry);
    return entry.value;
  }

  /** Stores `value` for `token` while `window` lasts; a token too long or already expired is not stored. */
  set(token: string, value: V, window: CacheWindow, nowSeconds: number): void {
    const { expires, notBefore = -Infinity } = window;
    if (token.length > this.#maxTokenLength || token.length < KEY_LENGTH) return;
    if (
      typeof expires !== 'number' ||
      !(nowSeconds < expires) ||
      typeof notBefore !== 'number' ||
      Number.isNaN(notBefore)
    )
      return;
    const key = token.slice(-KEY_LENGTH);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= this.#max && this.#oldest !== undefined) this.#remove(this.#oldest);
      entry = { key, token, value, expires, notBefore, newer: undefined, older: undefined };
      this.#entries.set(key, entry);
      this.#link(entry);
      return;
    }
    // Same signature tail (the same token, in practice): replace in place, no Map churn.
    Object.assign(entry, { token, value, expires, notBefore });
    this.#touch(entry);
  }

  /** Forgets `token`. */
  delete(token: string): void {
    const entry = this.#entries.get(token.slice(-KEY_LENGTH));
    if (entry !== undefined && entry.token === token) this.#remove(entry);
  }

  /** Forgets every token. */
  clear(): void {
    this.#entries.clear();
    this.#newest = undefined;
    this.#oldest = undefined;
  }

  #link(entry: Entry<V>): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = entry;
    this.#newest = entry;
    this.#oldest ??= entry;
  }

  #unlink(entry: Entry<V>): void {
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
  }

  #touch(entry: Entry<V>): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#link(entry);
  }

  #remove(entry: Entry<V>): void {
    this.#unlink(entry);
    this.#entries.delete(entry.key);
  }
}

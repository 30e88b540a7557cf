import { optionError } from '../validate.js';
import { memoryStore } from './memory-store.js';

/**
 * Session state a signed token cannot carry. Ids are opaque strings; times are NumericDate seconds,
 * and an `until` of `Infinity` means "for as long as the store lives" (a token without `exp`, or a
 * subject's not-before that no token lifetime bounds). Every method may reject (a network store);
 * the core then fails closed with `ERR_STORE_UNAVAILABLE` (503).
 *
 * `sub` names the subject an id belongs to, when the token has one: a clustered store keeps all of
 * a subject's entries in one place (one Redis hash slot), so one look-up answers for a token.
 *
 * A store may forget an entry before its `until` only by refusing more instead: it raises the
 * `notBefore` it reports for every subject so that the forgotten entry's tokens are refused too.
 */
export interface SessionStore {
  /** Refuses `id` (a token, or a whole login) until `until`, when it would have expired anyway. */
  revoke(id: string, until: number, sub?: string): Promise<void>;
  /** Refuses every token of `sub` issued before `notBefore`; the entry may go at `until`. */
  revokeSubject(sub: string, notBefore: number, until: number): Promise<void>;
  /**
   * One look-up: is any of `ids` revoked, and since when are `sub`'s tokens refused. A store that
   * knows at once (in memory, or from a near cache) answers without a promise: verification then
   * stays synchronous, with no microtask per request.
   */
  status(
    ids: readonly string[],
    sub: string | undefined,
    options?: StatusOptions,
  ): SessionStatus | Promise<SessionStatus>;
  /** Atomically marks `id` used until `until`: `true` for the first call only, even when concurrent. */
  useOnce(id: string, until: number, sub?: string): Promise<boolean>;
}

export interface StatusOptions {
  /**
   * Read the source of truth, never a near cache: for a check after which new tokens are signed,
   * where a revocation a few ms old must win (a refresh, a sliding renewal).
   */
  readonly consistent?: boolean;
}

export interface SessionStatus {
  readonly revoked: boolean;
  /**
   * Tokens with an `iat` before this are refused (and tokens without `iat`): the subject's
   * "log out everywhere", or the store's own floor after it had to forget a live entry.
   */
  readonly notBefore: number | undefined;
}

/** The `store` option: `memoryStore()` by default, `undefined` for `store: false`. */
// Partial: JavaScript callers pass anything, and every method is checked.
export function resolveStore(
  store: Partial<SessionStore> | false | null | undefined,
  now: () => number,
): SessionStore | undefined {
  if (store === false) return undefined;
  if (store === undefined) return memoryStore({ now });
  if (
    typeof store?.revoke !== 'function' ||
    typeof store.revokeSubject !== 'function' ||
    typeof store.status !== 'function'
  ) {
    throw optionError('store', 'a session store such as memoryStore() or redisStore({ client }), or false');
  }
  return store as SessionStore;
}

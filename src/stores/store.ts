import { optionError } from '../validate.js';
import { memoryStore } from './memory-store.js';

/**
 * Session state a signed token cannot carry. Ids are opaque strings; times are NumericDate seconds,
 * and an `until` of `Infinity` means "for as long as the store lives" (a token without `exp`, or a
 * subject's cut that no token lifetime bounds). Every method may reject (a network store); the core
 * then fails closed with `ERR_STORE_UNAVAILABLE` (503).
 *
 * `sub` names the subject an id belongs to, when the token has one: a clustered store keeps all of
 * a subject's entries in one place (one Redis hash slot), so one look-up answers for a token.
 *
 * A store may forget an entry before its `until` only by refusing more instead: it raises the
 * `floor` it reports, or the subject's generation, so that the forgotten entry's tokens are refused too.
 */
export interface SessionStore {
  /** Refuses `id` (a token, or a whole login) until `until`, when it would have expired anyway. */
  revoke(id: string, until: number, sub?: string): Promise<void>;
  /**
   * "Log out everywhere": raises `sub`'s generation above every one it ever had (at least the time in
   * ms, so one forgotten is never reached again), so every login started before is refused (logins
   * carry the generation they started at), and refuses `sub`'s other tokens issued before
   * `notBefore`. Its entries may go: the cut refuses what they did. The cut itself may go at `until`.
   */
  revokeSubject(sub: string, notBefore: number, until: number): Promise<void>;
  /**
   * One look-up: is any of `ids` revoked, and what cuts `sub`'s tokens. A store that knows at once
   * (in memory, or from a near cache) answers without a promise: verification then stays
   * synchronous, with no microtask per request.
   */
  status(
    ids: readonly string[],
    sub: string | undefined,
    options?: StatusOptions,
  ): SessionStatus | Promise<SessionStatus>;
  /**
   * Atomically marks `id` used at `step` until `until`: `true` only for the first call with a step
   * above every earlier one, even when concurrent. A refresh token's login is one id whose steps are
   * its rotations, so a login keeps one entry however often it refreshes. @param step default 1
   */
  useOnce(id: string, until: number, sub?: string, step?: number): Promise<boolean>;
  /** Hears the store's own changes of state (a near cache turned off or on). */
  watch?(listener: (event: StoreEvent) => void): void;
}

/** What a store tells its watchers. */
export type StoreEvent =
  /** The near cache cannot keep up with the revocation log: every request asks the store. */
  | { readonly type: 'near-cache-unavailable'; readonly error: unknown }
  | { readonly type: 'near-cache-recovered' };

export interface StatusOptions {
  /**
   * Read the source of truth, never a near cache: for a check after which new tokens are signed,
   * where a revocation a few ms old must win (a sign-in, a refresh, a sliding renewal).
   */
  readonly consistent?: boolean;
}

export interface SessionStatus {
  readonly revoked: boolean;
  /**
   * For `sub`'s tokens that carry no login generation (`auth.issue`'s, another issuer's): those with
   * an `iat` before this, or without `iat`, are refused ("log out everywhere").
   */
  readonly notBefore: number | undefined;
  /** `sub`'s generation: a login that started at a lower one was logged out everywhere. */
  readonly generation?: number | undefined;
  /** The store's own floor after it had to forget a live entry: every token with an earlier `iat` is refused. */
  readonly floor?: number | undefined;
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

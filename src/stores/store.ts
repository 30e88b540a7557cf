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
  /**
   * Refuses `id` (a token, or a whole login) until `until`, when it would have expired anyway. A store
   * that keeps logins' records drops the record of a login revoked as `sid:<sid>`, and its spent
   * refresh steps (`rt:<sid>`): the revocation refuses all of them now.
   */
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
  // A store keeps logins' records ("Your sessions") with all three of these, or none: see LoginStore.
  /** Records a login at sign-in ("Your sessions"); see `LoginStore`. A store has all three login methods, or none. */
  addLogin?: LoginStore['addLogin'];
  /** Moves a login's `lastActiveAt` at a refresh or a renewal; see `LoginStore`. */
  touchLogin?: LoginStore['touchLogin'];
  /** A user's live logins, for `auth.logins`; see `LoginStore`. */
  logins?: LoginStore['logins'];
}

/**
 * The records of logins that `auth.logins` lists and `auth.endLogin` checks, in a store that keeps
 * them. A record is made at sign-in, moved at a refresh or a renewal, never per request, and goes with
 * its login: revoked as `sid:<sid>`, cut by `revokeSubject`, or past its end. A subject keeps at most
 * as many live records as the store allows it entries (`maxPerSubject`).
 */
export interface LoginStore {
  /**
   * Sign-in: in one atomic step, reads `sub`'s generation and records the login as the sid
   * `<login.id>.<login.end>.<generation>`, so that a "log out everywhere" comes either before it (the
   * login starts at the new generation) or after it (and ends it). When `sub` already has as many live
   * logins as it may, writes nothing and names those to end first, the idlest first.
   */
  addLogin(sub: string, login: NewLogin): Promise<AddedLogin>;
  /** A refresh or a renewal of `sid` at `at` (seconds): moves its record's `lastActiveAt` forward; never makes a record that is gone. */
  touchLogin(sub: string, sid: string, at: number): Promise<void>;
  /** `sub`'s live recorded logins: none revoked, cut by `revokeSubject`, past its end or refused by the floor. */
  logins(sub: string): Promise<readonly StoredLogin[]>;
}

/** What a login's record keeps beside its sid: strings the app chose at sign-in, already capped. */
export type LoginMeta = Readonly<Record<string, string>>;

/** A login sign-in records. Times are NumericDate seconds. */
export interface NewLogin {
  /** The random part of its sid. */
  readonly id: string;
  /** Its last second: no token of it is valid after it. */
  readonly end: number;
  /** Until when the record is kept: its end and a margin for clocks. */
  readonly until: number;
  /** When it signed in (whole seconds). */
  readonly at: number;
  readonly meta: LoginMeta;
}

/** What `LoginStore.addLogin` answers: the login recorded, or the logins to end first. */
export type AddedLogin =
  /** Recorded as `<id>.<end>.<generation>`; `floor` as `status` answers it. */
  | { readonly generation: number; readonly floor?: number | undefined }
  /** Nothing written: end these logins (sids) first, then ask again. */
  | { readonly full: readonly string[] };

/** A live login as its store keeps it. */
export interface StoredLogin {
  readonly sid: string;
  /** When it signed in (whole seconds). */
  readonly signedInAt: number;
  /** Its sign-in, last refresh or last renewal (whole seconds). */
  readonly lastActiveAt: number;
  readonly meta: LoginMeta;
}

/** What a store tells its watchers. */
export type StoreEvent =
  /** The near cache cannot keep up with the revocation log: every request asks the store. */
  | { readonly type: 'near-cache-unavailable'; readonly error: unknown }
  | { readonly type: 'near-cache-recovered' };

/** How fresh a `status` answer must be. */
export interface StatusOptions {
  /**
   * Read the source of truth, never a near cache: for a check after which new tokens are signed,
   * where a revocation a few ms old must win (a sign-in, a refresh, a sliding renewal).
   */
  readonly consistent?: boolean;
}

/** What a store knows of a token: revoked, or the cuts of "log out everywhere" that apply to it. */
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

const LOGIN_METHODS = ['addLogin', 'touchLogin', 'logins'] as const;

/** `store` when it keeps logins' records; otherwise a TypeError naming what `feature` needs. */
export function loginStore(store: SessionStore | undefined, feature: string): SessionStore & LoginStore {
  if (store === undefined) throw new TypeError(`jwt-gate: ${feature} needs a store (store: false is set)`);
  const missing = LOGIN_METHODS.filter((name) => typeof store[name] !== 'function');
  if (missing.length > 0)
    throw new TypeError(
      `jwt-gate: ${feature} needs a store that keeps logins: this one has no ${missing.join(', ')} (memoryStore and redisStore keep them)`,
    );
  return store as SessionStore & LoginStore;
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
  const kept = LOGIN_METHODS.filter((name) => typeof store[name] === 'function');
  // Half a set would record logins it cannot list, or list logins it never moves.
  if (kept.length > 0 && kept.length < LOGIN_METHODS.length)
    throw new TypeError(
      `jwt-gate: a store that keeps logins has ${LOGIN_METHODS.join(', ')}; this one lacks ${LOGIN_METHODS.filter((name) => !kept.includes(name)).join(', ')}`,
    );
  return store as SessionStore;
}

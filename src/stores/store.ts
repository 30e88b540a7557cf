/**
 * Session state a signed token cannot carry. Ids are opaque strings; times are NumericDate seconds.
 * Every method may reject (a network store); the core then fails closed with
 * `ERR_STORE_UNAVAILABLE` (503).
 */
export interface SessionStore {
  /** Refuses `id` (a token, or a whole login) until `until`, when it would have expired anyway. */
  revoke(id: string, until: number): Promise<void>;
  /** Refuses every token of `sub` issued before `notBefore`; the entry may go at `until`. */
  revokeSubject(sub: string, notBefore: number, until: number): Promise<void>;
  /** One look-up: is any of `ids` revoked, and since when are `sub`'s tokens refused. */
  status(ids: readonly string[], sub: string | undefined): Promise<SessionStatus>;
  /** Atomically marks `id` used until `until`: `true` for the first call only, even when concurrent. */
  useOnce(id: string, until: number): Promise<boolean>;
}

export interface SessionStatus {
  readonly revoked: boolean;
  readonly notBefore: number | undefined;
}

/**
 * Session state a signed token cannot carry. Times are NumericDate seconds. Every method may
 * reject (a network store); the core then fails closed with `ERR_STORE_UNAVAILABLE` (503).
 */
export interface SessionStore {
  /** Refuses the token with this `jti` until `until`, when it would have expired anyway. */
  revoke(jti: string, until: number): Promise<void>;
  /** Refuses every token of `sub` issued before `notBefore`; the entry may go at `until`. */
  revokeSubject(sub: string, notBefore: number, until: number): Promise<void>;
  /** One look-up for both: is this `jti` revoked, and since when are `sub`'s tokens refused. */
  status(jti: string | undefined, sub: string | undefined): Promise<SessionStatus>;
}

export interface SessionStatus {
  readonly revoked: boolean;
  readonly notBefore: number | undefined;
}

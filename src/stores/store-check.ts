import { AuthError } from '../errors.js';
import type { Outage } from '../outage.js';
import { isPromiseLike } from '../promise.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import { loginOf } from '../jws/login-id.js';
import type { SessionStatus, SessionStore } from './store.js';

/** The store ids that can revoke a token: its own `jti`, and its login (`sid`) when it has one. */
function revocableIds(claims: Claims): string[] {
  const ids: string[] = [];
  if (typeof claims.jti === 'string') ids.push(`jti:${claims.jti}`);
  if (typeof claims.sid === 'string') ids.push(`sid:${claims.sid}`);
  return ids;
}

const issuedBefore = (claims: Claims, time: number | undefined): boolean =>
  time !== undefined && !(typeof claims.iat === 'number' && claims.iat >= time);

/** How a token is checked against the store. */
export interface StoreCheck {
  /** Let the token through when the store cannot answer, instead of a 503. */
  readonly failOpen: boolean;
  /** Ask the store itself, never a near cache: for the checks after which tokens are signed. */
  readonly consistent?: boolean;
  readonly outage?: Outage | undefined;
  /**
   * The `iss` of the logins this app signs (`null` when it signs none): only those logins carry a
   * generation of this store. Another issuer's `sid`, whatever it looks like, is cut by its `iat`.
   */
  readonly loginIssuer: string | undefined | null;
}

/** The `iss` of the logins an app signs, for {@link StoreCheck}: `null` when its key cannot sign. */
export const loginIssuerOf = (signs: boolean, issuer: string | undefined): string | undefined | null =>
  signs ? issuer : null;

/** The store's answer for one token: throws `ERR_TOKEN_REVOKED` when it is refused. */
function judge(status: SessionStatus, claims: Claims, loginIssuer: string | undefined | null): void {
  if (status.revoked || issuedBefore(claims, status.floor)) throw new AuthError('ERR_TOKEN_REVOKED');
  // "Log out everywhere" is decided by what every instance shares: a login started at an earlier
  // generation is refused, whatever the clocks said. Other tokens are cut by their iat (a store that
  // keeps no generations cuts every token so).
  const own = loginIssuer !== null && claims.iss === loginIssuer;
  const login = own ? loginOf(claims.sid)?.generation : undefined;
  const cut =
    login !== undefined && status.generation !== undefined
      ? login < status.generation
      : issuedBefore(claims, status.notBefore);
  if (cut) throw new AuthError('ERR_TOKEN_REVOKED');
}

/**
 * Asks the store about a verified token; fails closed (503) unless `failOpen`. Synchronous when the
 * store answers at once, so a memory store costs no promise.
 */
export function checkStore(store: SessionStore, claims: Claims, check: StoreCheck): void | Promise<void> {
  const { failOpen, consistent = false, outage, loginIssuer } = check;
  const sub = subjectOf(claims);
  let answer: SessionStatus | Promise<SessionStatus>;
  try {
    answer = consistent
      ? store.status(revocableIds(claims), sub, { consistent })
      : store.status(revocableIds(claims), sub);
  } catch (cause) {
    outage?.failed(cause);
    if (failOpen) return;
    throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
  }
  if (!isPromiseLike(answer)) {
    outage?.answered();
    judge(answer, claims, loginIssuer);
    return;
  }
  return Promise.resolve(answer).then(
    (status) => {
      outage?.answered();
      judge(status, claims, loginIssuer);
    },
    (cause: unknown) => {
      outage?.failed(cause);
      if (!failOpen) throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
    },
  );
}

/** Runs a store write; a failure there is the store's outage, never the caller's bad request. */
export async function storeWrite(write: () => Promise<void>, outage?: Outage): Promise<void> {
  await storeAnswer(write, outage);
}

/** The answer of a store call; a failure there is the store's outage (503), never the caller's bad request. */
export async function storeAnswer<T>(call: () => Promise<T>, outage?: Outage): Promise<T> {
  let answer: T;
  try {
    answer = await call();
  } catch (cause) {
    outage?.failed(cause);
    throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
  }
  outage?.answered();
  return answer;
}

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

/** The store's answer for one token: throws `ERR_TOKEN_REVOKED` when it is refused. */
function judge(status: SessionStatus, claims: Claims): void {
  if (status.revoked || issuedBefore(claims, status.floor)) throw new AuthError('ERR_TOKEN_REVOKED');
  // "Log out everywhere" is decided by what every instance shares: a login started at an earlier
  // generation is refused, whatever the clocks said. Other tokens are cut by their iat (a store that
  // keeps no generations cuts every token so).
  const login = loginOf(claims.sid)?.generation;
  const cut =
    login !== undefined && status.generation !== undefined
      ? login < status.generation
      : issuedBefore(claims, status.notBefore);
  if (cut) throw new AuthError('ERR_TOKEN_REVOKED');
}

/**
 * Asks the store about a verified token; fails closed (503) unless the app chose `failOpen`.
 * Synchronous when the store answers at once, so a memory store costs no promise. `consistent`
 * skips any near cache: for the checks after which new tokens are signed.
 */
export function checkStore(
  store: SessionStore,
  failOpen: boolean,
  claims: Claims,
  consistent = false,
  outage?: Outage,
): void | Promise<void> {
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
    judge(answer, claims);
    return;
  }
  return Promise.resolve(answer).then(
    (status) => {
      outage?.answered();
      judge(status, claims);
    },
    (cause: unknown) => {
      outage?.failed(cause);
      if (!failOpen) throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
    },
  );
}

/** Runs a store write; a failure there is the store's outage, never the caller's bad request. */
export async function storeWrite(write: () => Promise<void>, outage?: Outage): Promise<void> {
  try {
    await write();
  } catch (cause) {
    outage?.failed(cause);
    throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
  }
  outage?.answered();
}

import { AuthError, refusedSubject } from '../errors.js';
import type { Claims } from '../jws/claims.js';
import { checkStore, loginIssuerOf, type StoreCheck } from '../stores/store-check.js';
import type { SessionStore } from '../stores/store.js';
import type { VerifySettings } from './settings.js';
import type { Trust } from './trust.js';

/**
 * The checks that ask the app or the store whether a verified token still stands (`isRevoked`, then the
 * store): on every verification, cached or not. Synchronous while they answer at once (no isRevoked, a
 * memory store or a near cache). The store holds the app's own logins: another issuer's tokens are its
 * own to revoke, and its subjects are not the app's. `fromStore`: the store itself answers, never a near
 * cache (for the checks after which tokens are signed).
 */
export function createRevocationCheck<C extends Claims>(
  o: VerifySettings<C>,
  fromStore: boolean,
): (claims: C, trust: Trust) => C | Promise<C> {
  const storeCheck: StoreCheck = {
    failOpen: o.failOpen,
    consistent: fromStore,
    outage: o.storeOutage,
    loginIssuer: loginIssuerOf(o.provider.signingKey?.() !== undefined, o.claimRules.issuer),
  };

  function checkState(claims: C, trust: Trust): C | Promise<C> {
    const store = trust.own ? o.store : undefined;
    if (o.isRevoked !== undefined) return askState(claims, store);
    if (store === undefined) return claims;
    let checked: void | Promise<void>;
    try {
      checked = checkStore(store, claims, storeCheck);
    } catch (err) {
      throw refusedSubject(err, claims);
    }
    return checked === undefined
      ? claims
      : checked.then(
          () => claims,
          (err: unknown) => {
            throw refusedSubject(err, claims);
          },
        );
  }

  async function askState(claims: C, store: SessionStore | undefined): Promise<C> {
    try {
      if (o.isRevoked !== undefined && (await o.isRevoked(claims))) throw new AuthError('ERR_TOKEN_REVOKED');
      if (store !== undefined) await checkStore(store, claims, storeCheck);
      return claims;
    } catch (err) {
      throw refusedSubject(err, claims);
    }
  }

  return checkState;
}

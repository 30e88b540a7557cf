import { storeWrite } from '../stores/store-check.js';
import type { SessionStore } from '../stores/store.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import { skewMargin } from './login.js';
import { isOwnToken } from '../token/trust.js';
import type { SessionSettings } from './settings.js';

type RevokeOptions = Pick<SessionSettings, 'store' | 'storeOutage' | 'claimRules' | 'now' | 'otherIssuers'>;

function storeOrThrow(o: RevokeOptions): SessionStore {
  if (o.store === undefined) throw new TypeError('jwt-gate: revocation needs a store (store: false is set)');
  return o.store;
}

/** Refuses this token from now until it expires (needs a store). */
export async function revoke(o: RevokeOptions, claims: Claims): Promise<void> {
  const store = storeOrThrow(o);
  if (typeof claims.jti !== 'string') throw new TypeError('jwt-gate: only a token with a jti can be revoked');
  // Another issuer's jti and sub are its own: an entry under them could end one of the app's users.
  if (!isOwnToken(o, claims))
    throw new TypeError(
      "jwt-gate: only tokens of the app's own issuer can be revoked; this one's issuer is another (refuse it with isRevoked)",
    );
  const { requireExp, maxTokenAge } = o.claimRules;
  const margin = skewMargin(o);
  let until: number;
  if (typeof claims.exp === 'number') until = claims.exp + margin;
  // A token without exp that verify would refuse anyway needs no entry.
  else if (requireExp) return;
  // Otherwise it is valid for ever, unless maxTokenAge ends it.
  else
    until =
      maxTokenAge !== undefined && typeof claims.iat === 'number'
        ? claims.iat + maxTokenAge + margin
        : Infinity;
  await storeWrite(
    () => store.revoke(`jti:${claims.jti as string}`, until, subjectOf(claims)),
    o.storeOutage,
  );
}

/**
 * Ends every login of `sub` so far and refuses its other tokens issued before now: "log out
 * everywhere" (needs a store). Logins are ended by the subject's generation in the store, whatever
 * the clocks; the other tokens by their `iat`, with a margin for instances whose clocks differ by up
 * to twice `clockTolerance` (a login right after is never held back by it).
 */
export async function revokeSubject(o: RevokeOptions, sub: string): Promise<void> {
  const store = storeOrThrow(o);
  if (typeof sub !== 'string' || sub === '') throw new TypeError('jwt-gate: revokeSubject needs a subject');
  const now = o.now() / 1000;
  const margin = skewMargin(o);
  // Every token ever issued to `sub`, whatever its own expiresIn or none, is covered: only maxTokenAge
  // bounds how long one may live (a refresh is checked against the cut, so none outlives it).
  const until =
    o.claimRules.maxTokenAge === undefined ? Infinity : now + o.claimRules.maxTokenAge + 2 * margin;
  // Whole-second iat: a token issued in this second (by a clock up to the margin ahead) is refused too.
  const notBefore = Math.floor(now + margin) + 1;
  await storeWrite(() => store.revokeSubject(sub, notBefore, until), o.storeOutage);
}

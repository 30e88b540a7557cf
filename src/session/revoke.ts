import type { ResolvedOptions } from '../options.js';
import { storeWrite } from '../stores/store-check.js';
import type { SessionStore } from '../stores/store.js';
import { subjectOf, type Claims } from '../token/claims.js';

type RevokeOptions = Pick<ResolvedOptions<unknown, Claims>, 'store' | 'storeOutage' | 'claimRules' | 'now'>;

function storeOrThrow(o: RevokeOptions): SessionStore {
  if (o.store === undefined) throw new TypeError('jwt-gate: revocation needs a store (store: false is set)');
  return o.store;
}

/** Refuses this token from now until it expires (needs a store). */
export async function revoke(o: RevokeOptions, claims: Claims): Promise<void> {
  const store = storeOrThrow(o);
  if (typeof claims.jti !== 'string') throw new TypeError('jwt-gate: only a token with a jti can be revoked');
  const { clockTolerance, requireExp, maxTokenAge } = o.claimRules;
  let until: number;
  if (typeof claims.exp === 'number') until = claims.exp + clockTolerance;
  // A token without exp that verify would refuse anyway needs no entry.
  else if (requireExp) return;
  // Otherwise it is valid for ever, unless maxTokenAge ends it.
  else
    until =
      maxTokenAge !== undefined && typeof claims.iat === 'number'
        ? claims.iat + maxTokenAge + clockTolerance
        : Infinity;
  await storeWrite(
    () => store.revoke(`jti:${claims.jti as string}`, until, subjectOf(claims)),
    o.storeOutage,
  );
}

/** Refuses every token of `sub` issued before now: "log out everywhere" (needs a store). */
export async function revokeSubject(o: RevokeOptions, sub: string): Promise<void> {
  const store = storeOrThrow(o);
  if (typeof sub !== 'string' || sub === '') throw new TypeError('jwt-gate: revokeSubject needs a subject');
  const now = o.now() / 1000;
  const { maxTokenAge, clockTolerance } = o.claimRules;
  // Every token ever issued to `sub`, whatever its own expiresIn or none, is covered: only maxTokenAge
  // bounds how long one may live. Not rounded: with whole-second iat, this second's tokens go too.
  const until = maxTokenAge === undefined ? Infinity : now + maxTokenAge + clockTolerance;
  await storeWrite(() => store.revokeSubject(sub, now, until), o.storeOutage);
}

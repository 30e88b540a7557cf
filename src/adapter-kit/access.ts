import type { Claims } from '../jws/claims.js';
import { AuthError } from '../errors.js';
import type { MaybePromise } from '../keys/provider.js';

/** Who may pass, beyond holding a valid token. */
export interface AccessRules<C extends Claims = Claims> {
  /** The token's `role` (string) or `roles` (array) must contain one of these, exactly. */
  readonly roles?: readonly string[];
  /** The space-separated `scope` claim (or the `scp` array) must contain all of these. */
  readonly scopes?: readonly string[];
  /** A last word of the app's own; a falsy answer is a 403. */
  readonly check?: (claims: C) => MaybePromise<boolean>;
}

// Own members only: a `__proto__` or inherited name in a token grants nothing.
function ownStrings(claims: Claims, name: string, split: boolean): readonly string[] {
  if (!Object.hasOwn(claims, name)) return [];
  const value = claims[name];
  if (typeof value === 'string') return split ? value.split(' ').filter(Boolean) : [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** Throws `ERR_FORBIDDEN` unless `claims` satisfy every rule given. */
export async function checkAccess<C extends Claims>(claims: C, rules: AccessRules<C>): Promise<void> {
  if (rules.roles !== undefined) {
    const held = [...ownStrings(claims, 'role', false), ...ownStrings(claims, 'roles', false)];
    if (!rules.roles.some((role) => held.includes(role))) throw new AuthError('ERR_FORBIDDEN');
  }
  if (rules.scopes !== undefined) {
    const granted = [...ownStrings(claims, 'scope', true), ...ownStrings(claims, 'scp', true)];
    if (!rules.scopes.every((scope) => granted.includes(scope))) throw new AuthError('ERR_FORBIDDEN');
  }
  if (rules.check !== undefined && !(await rules.check(claims))) throw new AuthError('ERR_FORBIDDEN');
}

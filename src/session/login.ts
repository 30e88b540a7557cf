import type { Claims } from '../jws/claims.js';
import { MANAGED_CLAIMS } from '../token/claims-to-sign.js';
import { loginOf } from '../jws/login-id.js';
import type { SessionSettings } from './settings.js';

type LoginOptions = Pick<SessionSettings, 'expiresIn' | 'refresh' | 'renew' | 'now' | 'claimRules'>;

/** The claims a renewed or refreshed token carries on: all but those `issue` sets itself. */
export function withoutManaged(claims: Claims): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) if (!MANAGED_CLAIMS.includes(name)) kept[name] = value;
  return kept;
}

/**
 * How long after sign-in any token of one login may still be valid: its access tokens, its
 * renewals, its refresh tokens and the access tokens they hand out.
 */
export function loginSpan(o: LoginOptions): number {
  return Math.max(
    o.expiresIn,
    o.refresh === undefined ? 0 : o.refresh.expiresIn + o.expiresIn,
    o.renew?.maxAge ?? 0,
  );
}

/**
 * How much later than a token's own times an entry about it must last: an instance whose clock is
 * `clockTolerance` behind accepts the token up to that long after its `exp` by its clock, which is
 * twice as long by the clock of one that is as far ahead.
 */
export const skewMargin = (o: Pick<LoginOptions, 'claimRules'>): number => 2 * o.claimRules.clockTolerance;

/** Until when a whole login must stay refused, judged from one of its tokens. */
export function loginEnd(o: LoginOptions, claims: Claims, refreshToken: boolean): number {
  const exp = typeof claims.exp === 'number' ? claims.exp : Infinity;
  const loggedIn =
    typeof claims.auth_time === 'number'
      ? claims.auth_time
      : typeof claims.iat === 'number'
        ? claims.iat
        : o.now() / 1000;
  // A refresh token's exp is the login's end; what it hands out lives one access lifetime more.
  // The sid carries the login's last second, so a sign-out that sees only one token knows how long
  // to refuse them all ("remember me" included).
  const sidEnd = loginOf(claims.sid)?.end ?? -Infinity;
  return Math.max(refreshToken ? exp + o.expiresIn : exp, loggedIn + loginSpan(o), sidEnd) + skewMargin(o);
}

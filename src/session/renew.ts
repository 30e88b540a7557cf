import { toSeconds, type Duration } from '../duration.js';
import type { Authenticated } from '../authentication/authenticate.js';
import type { SecureHint } from '../cookies/cookie.js';
import type { KeyProvider } from '../keys/provider.js';
import { checkStore, loginIssuerOf } from '../stores/store-check.js';
import type { Claims } from '../jws/claims.js';
import type { Tokens } from '../token/tokens.js';
import { checkKnownKeys, optionError } from '../validate.js';
import { sessionCookies, type StartedSession } from '../cookies/session-cookies.js';
import { withoutManaged } from './login.js';
import { isOwnToken } from '../token/trust.js';
import { touchLogin } from './logins.js';
import type { SessionSettings } from './settings.js';

/** Sliding sessions: a cookie token past `after` of its lifetime is replaced, until `maxAge` after login. */
export interface RenewOptions {
  /** The fraction of a token's lifetime after which it is renewed. @default 0.5 */
  readonly after?: number;
  /** No renewal once this long has passed since login (`auth_time`): a stolen cookie cannot live forever. */
  readonly maxAge: Duration;
}

/** `renew` resolved: `maxAge` in seconds. */
export interface ResolvedRenew {
  readonly after: number;
  readonly maxAge: number;
}

export function resolveRenew(value: unknown, provider: KeyProvider): ResolvedRenew | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'object' || value === null)
    throw optionError('renew', 'an object like { maxAge: "12h" } or false');
  checkKnownKeys(value, ['after', 'maxAge'], 'renew');
  const { after = 0.5, maxAge } = value as RenewOptions;
  if (typeof after !== 'number' || !(after > 0 && after < 1))
    throw optionError('renew.after', 'a fraction between 0 and 1');
  if (maxAge === undefined) throw optionError('renew.maxAge', 'set: renewal must end some time after login');
  if (provider.signingKey?.() === undefined)
    throw optionError('renew', 'used with a key provider that can sign');
  return Object.freeze({ after, maxAge: toSeconds(maxAge, 'renew.maxAge') });
}

/** A fresh session for a cookie token past `renew.after` of its lifetime, else `undefined`. */
export async function renew<U, C extends Claims>(
  o: SessionSettings,
  tokens: Tokens<C>,
  session: Authenticated<U, C>,
  hint?: SecureHint,
): Promise<StartedSession | undefined> {
  const options = o.renew;
  const { claims } = session;
  if (options === undefined || o.cookie === undefined || session.source !== 'cookie') return undefined;
  // Renewal signs the claims as the app's: another issuer's user would become the app's of that sub.
  if (!isOwnToken(o, claims)) return undefined;
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  const now = o.now() / 1000;
  if (now - iat < options.after * (exp - iat)) return undefined;
  // A token without auth_time counts from its iat, and the renewed one carries that login time on.
  const loggedIn = typeof claims.auth_time === 'number' ? claims.auth_time : iat;
  // The last renewal ends at login + maxAge, never later.
  const lifetime = Math.min(o.expiresIn, Math.floor(loggedIn + options.maxAge - now));
  // Nothing to gain once the new token would end no later than this one.
  if (lifetime <= 0 || Math.floor(now) + lifetime <= exp) return undefined;
  const kept = withoutManaged(claims);
  kept.auth_time = loggedIn;
  const token = await tokens.sign(kept as C, { expiresIn: lifetime });
  // A sign-out or "log out everywhere" that landed while this one was signed must still win.
  // Renewal signs: the key can, so a login of this issuer is this app's own.
  // Its login's record is moved in the same round trip.
  if (o.store !== undefined)
    await Promise.all([
      checkStore(o.store, claims, {
        failOpen: o.failOpen,
        consistent: true,
        outage: o.storeOutage,
        loginIssuer: loginIssuerOf(true, o.claimRules.issuer),
      }),
      touchLogin(o, claims),
    ]);
  return { token, cookies: sessionCookies(o, tokens, token, claims.csrf, hint) };
}

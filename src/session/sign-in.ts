import { toSeconds } from '../duration.js';
import { AuthError } from '../errors.js';
import type { SecureHint } from '../http/cookie.js';
import type { ResolvedOptions } from '../options.js';
import type { SessionStore } from '../stores/store.js';
import { subjectOf, type Claims } from '../token/claims.js';
import type { IssueOverrides } from '../token/claims-to-sign.js';
import { newTokenId } from '../token/jws.js';
import type { Tokens } from '../token/tokens.js';
import { cookieConfig, refreshCookie, sessionCookies, type StartedSession } from './cookies.js';
import { loginSpan } from './login.js';

/**
 * A login right after "log out everywhere" (or after a full memory store raised its not-before), in
 * the same second, would get a whole-second `iat` before the not-before: a token refused from birth.
 * Wait for the next second instead.
 */
export async function waitOutNotBefore(store: SessionStore, sub: string, now: () => number): Promise<void> {
  let notBefore: number | undefined;
  try {
    ({ notBefore } = await store.status([], sub, { consistent: true }));
  } catch (cause) {
    throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
  }
  if (notBefore === undefined) return;
  // A loop, not one timer: timers may fire a millisecond before the wall clock gets there. Bounded
  // in real time too, so a clock that stands still (a test's, a paused VM's) cannot hold a sign-in.
  const giveUp = performance.now() + 2000;
  for (
    let wait = Math.ceil(notBefore) * 1000 - now();
    wait > 0 && wait <= 1000 && performance.now() < giveUp;
    wait = Math.ceil(notBefore) * 1000 - now()
  ) {
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Issues a token for `claims` and the `Set-Cookie` values of the session (and of its CSRF value and refresh token). */
export async function startSession<U, C extends Claims>(
  o: ResolvedOptions<U, C>,
  tokens: Tokens<C>,
  claims: C,
  overrides: IssueOverrides = {},
  hint?: SecureHint,
): Promise<StartedSession> {
  cookieConfig(o);
  if (o.store !== undefined && typeof claims.sub === 'string')
    await waitOutNotBefore(o.store, claims.sub, o.now);
  const csrfValue = o.csrf?.header === undefined ? undefined : newTokenId();
  // auth_time (OIDC Core §2) keeps the login time through renewals.
  const session = {
    auth_time: Math.floor(o.now() / 1000),
    ...claims,
    ...(csrfValue === undefined ? {} : { csrf: csrfValue }),
  };
  // A longer first token ("remember me") makes a longer login: its refresh token ends no sooner.
  const first = overrides.expiresIn === undefined ? o.expiresIn : toSeconds(overrides.expiresIn, 'expiresIn');
  const refreshLife = o.refresh === undefined ? 0 : Math.max(o.refresh.expiresIn, first);
  // sid names the login: renewed and refreshed tokens keep it, and sign-out revokes them all at once.
  const lastSecond =
    session.auth_time + Math.max(loginSpan(o), first, refreshLife === 0 ? 0 : refreshLife + o.expiresIn);
  const sid = o.store === undefined ? undefined : `${newTokenId()}.${lastSecond}`;
  const token = await tokens.sign({ ...session, ...(sid === undefined ? {} : { sid }) }, overrides);
  const cookies = sessionCookies(o, tokens, token, csrfValue, hint, refreshLife);
  if (o.refresh !== undefined)
    cookies.push(await refreshCookie(o, tokens, { ...session, sid }, refreshLife, hint));
  o.emit?.({ type: 'signed-in', sub: subjectOf(claims) });
  return { token, cookies };
}

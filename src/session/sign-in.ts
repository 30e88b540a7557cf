import { toSeconds } from '../duration.js';
import { AuthError } from '../errors.js';
import type { SecureHint } from '../cookies/cookie.js';
import { storeWrite } from '../stores/store-check.js';
import { loginStore, type LoginMeta, type SessionStatus, type SessionStore } from '../stores/store.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import type { IssueOverrides } from '../token/claims-to-sign.js';
import { newTokenId } from '../jws/jws.js';
import { loginId } from '../jws/login-id.js';
import type { Tokens } from '../token/tokens.js';
import {
  cookieConfig,
  refreshCookie,
  sessionCookies,
  type StartedSession,
} from '../cookies/session-cookies.js';
import { loginSpan, skewMargin } from './login.js';
import { resolveLoginMeta, type LoginMetaInput } from './login-meta.js';
import { endLoginById, recordLogin } from './logins.js';
import type { SessionSettings } from './settings.js';

/** What sign-in takes besides the claims: the first token's overrides, and what to show of the login. */
export interface SignInOptions extends IssueOverrides {
  /**
   * Strings the app attaches to the login, listed by `auth.logins` ("Your sessions"): a label, the
   * User-Agent. At most 8 members named like `userAgent`; a value is cut to its first 256 bytes.
   */
  readonly meta?: LoginMetaInput;
}

/**
 * The generation `sub`'s new login starts at (how many "log out everywhere" came before), read from the
 * store itself. A full memory store's floor, raised in this very second, would refuse a token with this
 * second's whole-second `iat` from birth: wait for the next second then.
 */
export async function loginGeneration(store: SessionStore, sub: string, now: () => number): Promise<number> {
  let status: SessionStatus;
  try {
    status = await store.status([], sub, { consistent: true });
  } catch (cause) {
    throw new AuthError('ERR_STORE_UNAVAILABLE', { cause });
  }
  await waitOutFloor(status.floor, now);
  return status.generation ?? 0;
}

async function waitOutFloor(floor: number | undefined, now: () => number): Promise<void> {
  if (floor !== undefined) {
    // A loop, not one timer: timers may fire a millisecond before the wall clock gets there. Bounded
    // in real time too, so a clock that stands still (a test's, a paused VM's) cannot hold a sign-in.
    const giveUp = performance.now() + 2000;
    for (
      let wait = Math.ceil(floor) * 1000 - now();
      wait > 0 && wait <= 1000 && performance.now() < giveUp;
      wait = Math.ceil(floor) * 1000 - now()
    ) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

// A store that keeps logins records this one ("Your sessions"); any other is asked for the generation.
async function loginSid(
  o: SessionSettings,
  store: SessionStore,
  sub: string | undefined,
  random: string,
  end: number,
  meta: LoginMeta,
): Promise<string> {
  if (sub === undefined) return loginId(random, end, 0);
  if (sub === '' || store.addLogin === undefined)
    return loginId(random, end, await loginGeneration(store, sub, o.now));
  const at = Math.floor(o.now() / 1000);
  const login = { id: random, end, until: end + skewMargin(o), at, meta };
  const logins = loginStore(store, 'sign-in');
  const { sid, floor } = await recordLogin(o, logins, sub, login);
  if (floor !== undefined && floor > at) {
    await waitOutFloor(floor, o.now);
    // Its tokens are issued after the floor: so is its record, or the floor would end it in the list.
    await storeWrite(() => logins.touchLogin(sub, sid, Math.floor(o.now() / 1000)), o.storeOutage);
  }
  return sid;
}

/** Issues a token for `claims` and the `Set-Cookie` values of the session (and of its CSRF value and refresh token). */
export async function startSession<C extends Claims>(
  o: SessionSettings,
  tokens: Tokens<C>,
  claims: C,
  options: SignInOptions = {},
  hint?: SecureHint,
): Promise<StartedSession> {
  cookieConfig(o);
  const { meta: given, ...overrides } = options;
  const meta = resolveLoginMeta(given);
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
  const store = o.store;
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const sid = store === undefined ? undefined : await loginSid(o, store, sub, newTokenId(), lastSecond, meta);
  try {
    const token = await tokens.sign({ ...session, ...(sid === undefined ? {} : { sid }) }, overrides);
    const cookies = sessionCookies(o, tokens, token, csrfValue, hint, refreshLife);
    if (o.refresh !== undefined)
      cookies.push(await refreshCookie(o, tokens, { ...session, sid }, refreshLife, hint, 1));
    o.emit?.({ type: 'signed-in', sub: subjectOf(claims) });
    return { token, cookies };
  } catch (err) {
    // Claims or overrides signing refused (a mistake of the app's): no login of it is listed.
    if (sid !== undefined && store?.addLogin !== undefined && sub !== undefined && sub !== '')
      await endLoginById(o, store, sub, sid).catch(() => undefined);
    throw err;
  }
}

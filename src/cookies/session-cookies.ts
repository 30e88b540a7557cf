import { sessionCookieHeader, type ResolvedCookie, type SecureHint } from './cookie.js';
import { csrfCookieHeader } from './csrf-cookie.js';
import type { CookieSettings } from './settings.js';
import type { Claims } from '../jws/claims.js';
import { newTokenId } from '../jws/jws.js';
import { refreshTokenId } from '../jws/login-id.js';
import type { Tokens } from '../token/tokens.js';

/** A started session: the token and the `Set-Cookie` values that carry it. */
export interface StartedSession {
  readonly token: string;
  readonly cookies: readonly string[];
}

/** The session cookie's settings; a TypeError when cookies are off. */
export function cookieConfig(o: Pick<CookieSettings, 'cookie'>): ResolvedCookie {
  if (o.cookie === undefined) throw new TypeError('jwt-gate: cookies are turned off (cookie: false)');
  return o.cookie;
}

/**
 * The session cookie holding `token`, and the readable CSRF cookie when the session has a value for it.
 * With refresh tokens on, the page needs that value to refresh and to sign out until the login ends,
 * long after the access token: the CSRF cookie then lives `loginLifetime` seconds, as the refresh cookie
 * does, and is set only where that is known (sign-in, refresh), a renewal leaving it as it is.
 */
export function sessionCookies<C extends Claims>(
  o: CookieSettings,
  tokens: Tokens<C>,
  token: string,
  csrfValue: unknown,
  hint: SecureHint | undefined,
  loginLifetime?: number,
): string[] {
  const cookie = cookieConfig(o);
  const lifetime = tokens.lifetimeOf(token);
  const cookies = [sessionCookieHeader(cookie, token, lifetime, hint)];
  const readable = o.csrf?.cookie;
  if (typeof csrfValue !== 'string' || readable === undefined) return cookies;
  if (o.refresh === undefined)
    cookies.push(csrfCookieHeader(readable, csrfValue, cookie.maxAge ?? lifetime, hint));
  else if (loginLifetime !== undefined)
    cookies.push(csrfCookieHeader(readable, csrfValue, loginLifetime, hint));
  return cookies;
}

/**
 * The refresh cookie: the refresh token carries the session's claims, so a refresh needs nothing but
 * the store. `step` is its place in the login's rotation (1 at sign-in).
 */
export async function refreshCookie<C extends Claims>(
  o: Pick<CookieSettings, 'refresh'>,
  tokens: Tokens<C>,
  claims: C,
  lifetime: number,
  hint: SecureHint | undefined,
  step: number,
): Promise<string> {
  const refresh = o.refresh as NonNullable<typeof o.refresh>;
  const jwtid = refreshTokenId(step, newTokenId());
  const token = await tokens.sign(claims, { expiresIn: lifetime, jwtid }, true);
  return sessionCookieHeader(refresh.cookie, token, lifetime, hint);
}

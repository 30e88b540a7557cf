import {
  clearCookieHeader,
  resolveCookie,
  sessionCookieHeader,
  type ResolvedCookie,
  type SecureHint,
} from './cookie.js';

/**
 * The csrf cookie `name`, beside the session cookie (its path, domain and SameSite) and readable by the
 * page: a page under the session cookie's path reads it for as long as the login can be refreshed or ended.
 */
export function readableCookie(name: string, session: ResolvedCookie): ResolvedCookie {
  if (name === session.name)
    throw new TypeError(`jwt-gate: "csrf.cookie" must not be the session cookie's name ("${name}")`);
  const { path, domain, sameSite } = session.attributes;
  return resolveCookie(
    {
      name,
      httpOnly: false,
      ...(path === undefined ? {} : { path }),
      ...(domain === undefined ? {} : { domain }),
      ...(typeof sameSite === 'string' ? { sameSite } : {}),
      ...(session.secure === undefined ? {} : { secure: session.secure }),
    },
    session.production,
  ) as ResolvedCookie;
}

/**
 * The cookie that lets page scripts send the session's `csrf` claim back in a header, living `lifetime`
 * seconds; it clears the cookie when `value` is undefined.
 */
export function csrfCookieHeader(
  readable: ResolvedCookie,
  value: string | undefined,
  lifetime: number | undefined,
  hint?: SecureHint,
): string {
  return value === undefined
    ? clearCookieHeader(readable, hint)
    : sessionCookieHeader(readable, value, lifetime, hint);
}

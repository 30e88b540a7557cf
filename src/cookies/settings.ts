import type { ResolvedCookie } from './cookie.js';

/** The cookies a session writes, as `createAuth` resolved them. */
export interface CookieSettings {
  /** The session cookie, or `undefined` when cookies are off. */
  readonly cookie: ResolvedCookie | undefined;
  /** With CSRF checks on: the readable cookie of the double-submit value, when there is one. */
  readonly csrf: { readonly cookie: ResolvedCookie | undefined } | undefined;
  /** With refresh tokens on: the refresh cookie. */
  readonly refresh: { readonly cookie: ResolvedCookie } | undefined;
}

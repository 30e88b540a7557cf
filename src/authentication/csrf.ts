import { timingSafeEqual } from 'node:crypto';
import type { Claims } from '../jws/claims.js';
import { AuthError } from '../errors.js';
import type { ResolvedCookie } from '../cookies/cookie.js';
import { readableCookie } from '../cookies/csrf-cookie.js';
import { checkKnownKeys, optionError } from '../validate.js';
import type { RequestLike } from './request.js';

/** Cross-site request checks for sessions carried by a cookie. Bearer requests are never subject to them. */
export interface CsrfOptions {
  /** Origins allowed besides the request's own host, e.g. `'https://app.example'`. */
  readonly origins?: readonly string[];
  /**
   * Also require this request header to repeat the session's `csrf` claim (signed double submit):
   * `signIn` then puts a random `csrf` claim in the token and sets it in a cookie scripts can read.
   */
  readonly header?: string;
  /** The readable cookie that carries the value for `header`. @default 'csrf' */
  readonly cookie?: string;
}

export interface ResolvedCsrf {
  readonly origins: ReadonlySet<string>;
  readonly header: string | undefined;
  /** The readable cookie that carries the value for `header`; `undefined` without `header` or cookies. */
  readonly cookie: ResolvedCookie | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function resolveCsrf(
  options: CsrfOptions | false | undefined,
  session: ResolvedCookie | undefined,
): ResolvedCsrf | undefined {
  if (options === false) return undefined;
  const given = options ?? {};
  if (typeof given !== 'object' || given === null) throw optionError('csrf', 'an object or false');
  checkKnownKeys(given, ['origins', 'header', 'cookie'], 'csrf');
  const origins = (given.origins ?? []).map((origin) => {
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    if (parsed === undefined || parsed.origin === 'null')
      throw optionError('csrf.origins', 'origins like "https://app.example"');
    return parsed.origin;
  });
  if (given.header !== undefined && !/^[a-z0-9-]+$/.test(given.header))
    throw optionError('csrf.header', 'a lower-case header name');
  const name = given.cookie ?? 'csrf';
  if (typeof name !== 'string' || name === '') throw optionError('csrf.cookie', 'a cookie name');
  return Object.freeze({
    origins: new Set(origins),
    header: given.header,
    cookie: given.header === undefined || session === undefined ? undefined : readableCookie(name, session),
  });
}

/** Whether the request needs the check at all: an unsafe method (RFC 9110 §9.2.1). */
const isUnsafe = (req: RequestLike): boolean =>
  typeof req.method === 'string' && !SAFE_METHODS.has(req.method.toUpperCase());

function header(req: RequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

// The browser says where the request came from; the check only has to believe it (Fetch Metadata, Origin).
function fromOwnSite(req: RequestLike, csrf: ResolvedCsrf): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site === 'same-origin' || site === 'none') return true;
  const origin = header(req, 'origin');
  // Neither header: not a browser, or one too old to send them; no ambient cookie attack to stop.
  if (origin === undefined) return site === undefined;
  if (csrf.origins.has(origin)) return true;
  if (site !== undefined) return false;
  const host = header(req, 'host');
  return host !== undefined && URL.canParse(origin) && new URL(origin).host === host.toLowerCase();
}

/**
 * Whether the browser says the request came from another site (the same rule as `checkCsrf`'s first
 * half), whatever its method: for sign-out, which a link or an `<img>` must not reach either.
 */
export const isCrossSite = (req: RequestLike, csrf: ResolvedCsrf): boolean => !fromOwnSite(req, csrf);

/**
 * Throws `ERR_CSRF` (403) for a cookie-borne session used by an unsafe request from another site.
 * Nothing to check without `csrf` (the app turned it off) or for a safe method.
 */
export function checkCsrf(req: RequestLike, claims: Claims, csrf: ResolvedCsrf | undefined): void {
  if (csrf === undefined || !isUnsafe(req)) return;
  if (!fromOwnSite(req, csrf)) throw new AuthError('ERR_CSRF');
  if (csrf.header === undefined) return;
  const sent = header(req, csrf.header);
  if (typeof claims.csrf !== 'string' || sent === undefined || !sameValue(sent, claims.csrf))
    throw new AuthError('ERR_CSRF');
}

// In constant time for a given length: how long a refusal takes tells nothing of how much of a guess was
// right. UTF-16 code units, not UTF-8, which turns every lone surrogate into the same U+FFFD.
function sameValue(sent: string, expected: string): boolean {
  const a = Buffer.from(sent, 'utf16le');
  const b = Buffer.from(expected, 'utf16le');
  return a.length === b.length && timingSafeEqual(a, b);
}

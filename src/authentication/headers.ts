// The two headers a token rides in, read from their text as RFC 6750 and `cookie` read them: Authorization
// (Bearer) and Cookie. What a malformed one gets is a 400, never a crash.

import { AuthError } from '../errors.js';

const MORE_THAN_ONE = /[\s,]/;

// RFC 7235 §2.1 separates with spaces (tabs tolerated), nothing else. A scan, not a regex: `[ \t]+$`
// backtracks quadratically on a long run of spaces.
function trimSpaceTab(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

// Node gives strings; a hand-built request may not, and that must be a 400, never a crash.
function single(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const only: unknown = Array.isArray(value) && value.length <= 1 ? value[0] : value;
  if (only !== undefined && typeof only !== 'string') throw new AuthError('ERR_BAD_REQUEST');
  return only;
}

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or `undefined` for other schemes. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const raw = single(authorization);
  const value = raw === undefined ? undefined : trimSpaceTab(raw);
  if (!value) return undefined;
  const gap = value.search(/[ \t]/);
  const scheme = gap === -1 ? value : value.slice(0, gap);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const credentials = gap === -1 ? '' : trimSpaceTab(value.slice(gap));
  // One credential, nothing else: an empty or multi-part one is a bad request, not a bad token.
  if (credentials === '' || MORE_THAN_ONE.test(credentials)) throw new AuthError('ERR_BAD_REQUEST');
  return credentials;
}

/**
 * Every value of cookie `name` in the order the browser sent them, empty ones included, as `cookie`'s
 * `parseCookie` reads pairs (names trimmed, values percent-decoded). One pass; `limit` stops it early.
 */
export function cookieValues(
  cookieHeader: string | string[] | undefined,
  name: string,
  limit: number = Infinity,
): string[] {
  if (cookieHeader === undefined || cookieHeader === null) return [];
  const parts: unknown[] = Array.isArray(cookieHeader) ? cookieHeader : [cookieHeader];
  if (!parts.every((part) => typeof part === 'string')) throw new AuthError('ERR_BAD_REQUEST');
  const header = parts.join('; ');
  const values: string[] = [];
  const len = header.length;
  let index = 0;
  while (index < len && values.length < limit) {
    const eq = header.indexOf('=', index);
    if (eq === -1) break;
    let end = header.indexOf(';', index);
    if (end === -1) end = len;
    if (eq > end) {
      // Pairs without '=' are skipped; jump to the one that holds this '=', as parseCookie does.
      index = header.lastIndexOf(';', eq - 1) + 1;
      continue;
    }
    let start = index;
    let stop = eq;
    while (start < stop && isSpaceTab(header.charCodeAt(start))) start++;
    while (stop > start && isSpaceTab(header.charCodeAt(stop - 1))) stop--;
    if (stop - start === name.length && header.startsWith(name, start))
      values.push(decodeValue(trimSpaceTab(header.slice(eq + 1, end))));
    index = end + 1;
  }
  return values;
}

const isSpaceTab = (code: number): boolean => code === 0x20 || code === 0x09;

// `cookie`'s own decoding: percent-decoded when it can be, kept as sent when it cannot.
function decodeValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The value of cookie `name`, or `undefined` when it is absent or empty. A name sent twice is refused
 * (`ERR_DUPLICATE_COOKIE`), never settled by taking the first: a sibling subdomain can set a cookie of
 * the same name for the whole site with a longer Path, which browsers send first (cookie tossing).
 */
export function cookieToken(cookieHeader: string | string[] | undefined, name: string): string | undefined {
  const values = cookieValues(cookieHeader, name, 2);
  if (values.length > 1) throw new AuthError('ERR_DUPLICATE_COOKIE');
  return values[0] || undefined;
}

import { parseCookie } from 'cookie';
import { AuthError } from './errors.js';

/** The only part of a request the core reads: Node's lower-cased header map. */
export interface RequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Where tokens may come from, resolved once by `createAuth`. */
export interface TokenSources {
  readonly bearer: boolean;
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

const SPACE = /[\s,]/;

// Node gives strings; a hand-built request may not, and that must be a 400, never a crash.
function single(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const only = Array.isArray(value) && value.length <= 1 ? value[0] : value;
  if (only !== undefined && typeof only !== 'string') throw new AuthError('ERR_BAD_REQUEST');
  return only;
}

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or `undefined` for other schemes. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const value = single(authorization)?.trim();
  if (!value) return undefined;
  const space = value.search(/\s/);
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const credentials = space === -1 ? '' : value.slice(space).trim();
  // One credential, nothing else: an empty or multi-part one is a bad request, not a bad token.
  if (credentials === '' || SPACE.test(credentials)) throw new AuthError('ERR_BAD_REQUEST');
  return credentials;
}

/** The value of cookie `name`, or `undefined` when it is absent or empty. */
export function cookieToken(cookieHeader: string | string[] | undefined, name: string): string | undefined {
  if (cookieHeader === undefined || cookieHeader === null) return undefined;
  const parts: unknown[] = Array.isArray(cookieHeader) ? cookieHeader : [cookieHeader];
  if (!parts.every((part) => typeof part === 'string')) throw new AuthError('ERR_BAD_REQUEST');
  return parseCookie(parts.join('; '))[name] || undefined;
}

/** The request's token: the Bearer header first, then the session cookie. */
export function extractToken(req: RequestLike, sources: TokenSources): string | undefined {
  const headers = req.headers;
  const fromHeader = sources.bearer ? bearerToken(headers.authorization) : undefined;
  if (fromHeader !== undefined) return fromHeader;
  return sources.cookieName === undefined ? undefined : cookieToken(headers.cookie, sources.cookieName);
}

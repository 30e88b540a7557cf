import { stringifySetCookie, type SerializeOptions } from 'cookie';
import { checkKnownKeys, isWhole, optionError } from '../validate.js';

/** The session cookie. Every field has a safe default. */
export interface CookieOptions {
  /** @default 'jwt' */
  readonly name?: string;
  readonly domain?: string;
  /** @default '/' */
  readonly path?: string;
  /** @default 'lax' */
  readonly sameSite?: 'lax' | 'strict' | 'none';
  /** Fixes `Secure`; by default it is on unless the request is plain HTTP outside production. */
  readonly secure?: boolean;
  /** @default true */
  readonly httpOnly?: boolean;
  /** Seconds; by default the cookie lives as long as the token it holds. */
  readonly maxAge?: number;
}

export interface ResolvedCookie {
  readonly name: string;
  readonly attributes: Readonly<Omit<SerializeOptions, 'secure' | 'maxAge' | 'expires'>>;
  /** `undefined`: decided per request. */
  readonly secure: boolean | undefined;
  readonly maxAge: number | undefined;
  readonly production: boolean;
}

/** What a cookie writer is told of the request, to choose `Secure` when `cookie.secure` is not set. */
export interface SecureHint {
  /** Whether the request arrived over HTTPS (`req.secure`, `ctx.secure`). */
  readonly secure?: boolean;
}

/** Whether browsers hold a cookie of this name to the `__Host-` rules: Secure, Path=/, no Domain. */
export const isHostPrefixed = (name: string): boolean => /^__host-/i.test(name);
const isSecurePrefixed = (name: string): boolean => /^__secure-/i.test(name);

const KNOWN = ['name', 'domain', 'path', 'sameSite', 'secure', 'httpOnly', 'maxAge'] as const;

/** Validates the cookie options once; `stringifySetCookie` is run on them so a bad name fails at start-up. */
export function resolveCookie(
  options: CookieOptions | false | undefined,
  production: boolean,
): ResolvedCookie | undefined {
  if (options === false) return undefined;
  const given = options ?? {};
  if (typeof given !== 'object' || given === null)
    throw new TypeError(
      `jwt-gate: "cookie" must be an object or false${typeof given === 'string' ? ' (a cookie name goes in cookie: { name })' : ''}`,
    );
  checkKnownKeys(given, KNOWN, 'cookie');
  const name = given.name ?? 'jwt';
  const sameSite = given.sameSite ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite))
    throw optionError('cookie.sameSite', 'lax, strict or none');
  if (given.maxAge !== undefined && !isWhole(given.maxAge))
    throw optionError('cookie.maxAge', 'whole seconds');
  // Browsers drop SameSite=None without Secure, and the __Secure-/__Host- prefixes demand it (matched in
  // any case, as RFC 6265bis and current browsers do).
  const mustBeSecure = sameSite === 'none' || isSecurePrefixed(name) || isHostPrefixed(name);
  if (mustBeSecure && given.secure === false)
    throw new TypeError(`jwt-gate: cookie "${name}" with SameSite=${sameSite} must be Secure`);
  if (isHostPrefixed(name) && (given.domain !== undefined || (given.path ?? '/') !== '/')) {
    throw new TypeError(
      `jwt-gate: cookie "${name}" is a __Host- cookie: it must have path "/" and no domain`,
    );
  }
  const attributes = {
    path: given.path ?? '/',
    httpOnly: given.httpOnly ?? true,
    sameSite,
    ...(given.domain === undefined ? {} : { domain: given.domain }),
  };
  try {
    stringifySetCookie(name, 'x', attributes);
  } catch (err) {
    throw new TypeError(`jwt-gate: invalid cookie option: ${(err as Error).message}`, { cause: err });
  }
  return Object.freeze({
    name,
    attributes: Object.freeze(attributes),
    secure: mustBeSecure ? true : given.secure,
    maxAge: given.maxAge,
    production,
  });
}

function isSecure(cookie: ResolvedCookie, hint: SecureHint | undefined): boolean {
  if (cookie.secure !== undefined) return cookie.secure;
  if (hint?.secure === undefined) return true;
  return hint.secure || cookie.production;
}

/** A `Set-Cookie` value holding `token` for `lifetime` seconds (a session cookie when undefined). */
export function sessionCookieHeader(
  cookie: ResolvedCookie,
  token: string,
  lifetime: number | undefined,
  hint?: SecureHint,
): string {
  const maxAge = cookie.maxAge ?? lifetime;
  return stringifySetCookie(cookie.name, token, {
    ...cookie.attributes,
    secure: isSecure(cookie, hint),
    ...(maxAge === undefined ? {} : { maxAge: Math.max(0, Math.floor(maxAge)) }),
  });
}

/** A `Set-Cookie` value that removes the session cookie (same name, path and domain). */
export function clearCookieHeader(cookie: ResolvedCookie, hint?: SecureHint): string {
  return stringifySetCookie(cookie.name, '', {
    ...cookie.attributes,
    secure: isSecure(cookie, hint),
    maxAge: 0,
    expires: new Date(0),
  });
}

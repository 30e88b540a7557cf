// A browser's cookie jar for one host, as far as the session tests need one (RFC 6265 §5.3-5.4 and
// RFC 6265bis' prefixes): Max-Age over Expires, cookies dropped at their expiry by the jar's own clock,
// a Domain cookie from a sibling subdomain beside the host's own, and the Cookie header in browser
// order (longer paths first, then older cookies). supertest's agent keeps an expired cookie; this does not.
import { parseSetCookie } from 'cookie';

interface Stored {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** `undefined`: host-only, set by the app itself; otherwise the Domain a sibling subdomain gave. */
  readonly domain: string | undefined;
  /** Milliseconds; `Infinity` for a session cookie. */
  readonly expires: number;
  readonly httpOnly: boolean;
  /** The creation order, kept when a cookie is replaced (RFC 6265 §5.3 step 11.3). */
  readonly created: number;
}

// RFC 6265 §5.1.4.
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return (
    requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/')
  );
}

// RFC 6265 §5.1.4's default-path: the request path up to its last '/'.
function defaultPath(requestPath: string): string {
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

export class CookieJar {
  private cookies: Stored[] = [];
  private sequence = 0;
  private readonly now: () => number;

  /** `now` in milliseconds: the same clock the app runs on. */
  constructor(now: () => number) {
    this.now = now;
  }

  /** Stores what a response to `requestPath` set. */
  receive(setCookies: readonly string[], requestPath = '/'): void {
    for (const line of setCookies) this.store(line, requestPath, false);
  }

  /**
   * Stores a cookie a sibling subdomain set for the whole site (`Domain=` in `line`); returns whether the
   * browser took it. A `__Host-` name never comes from a sibling: it must be host-only (RFC 6265bis §4.1.3.2).
   */
  plant(line: string): boolean {
    return this.store(line, '/', true);
  }

  /** The Cookie header a request to `path` carries ('' for none): longer paths first, then older. */
  header(path: string): string {
    return this.sent(path)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** What a page at `path` reads from `document.cookie` for `name`: the first readable one sent. */
  read(name: string, path = '/'): string | undefined {
    return this.sent(path).find((c) => c.name === name && !c.httpOnly)?.value;
  }

  /** Every value stored under `name`, for assertions. */
  values(name: string): string[] {
    this.dropExpired();
    return this.cookies.filter((c) => c.name === name).map((c) => c.value);
  }

  private sent(path: string): Stored[] {
    this.dropExpired();
    return this.cookies
      .filter((c) => pathMatches(path, c.path))
      .sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  private dropExpired(): void {
    const now = this.now();
    this.cookies = this.cookies.filter((c) => c.expires > now);
  }

  private store(line: string, requestPath: string, fromSibling: boolean): boolean {
    const parsed = parseSetCookie(line);
    const path = parsed.path?.startsWith('/') ? parsed.path : defaultPath(requestPath);
    const domain = parsed.domain?.replace(/^\./, '').toLowerCase();
    if (fromSibling && domain === undefined) throw new Error('a sibling subdomain plants with a Domain');
    const lower = parsed.name.toLowerCase();
    // RFC 6265bis §5.7 steps 20-21, matched case-insensitively as browsers now do.
    if (lower.startsWith('__secure-') && parsed.secure !== true) return false;
    if (lower.startsWith('__host-') && (parsed.secure !== true || domain !== undefined || path !== '/'))
      return false;
    const now = this.now();
    const expires =
      parsed.maxAge !== undefined
        ? now + parsed.maxAge * 1000
        : parsed.expires !== undefined
          ? parsed.expires.getTime()
          : Infinity;
    const same = (c: Stored): boolean => c.name === parsed.name && c.path === path && c.domain === domain;
    const old = this.cookies.find(same);
    this.cookies = this.cookies.filter((c) => !same(c));
    if (expires <= now) return true;
    this.cookies.push({
      name: parsed.name,
      value: parsed.value ?? '',
      path,
      domain,
      expires,
      httpOnly: parsed.httpOnly === true,
      created: old?.created ?? ++this.sequence,
    });
    return true;
  }
}

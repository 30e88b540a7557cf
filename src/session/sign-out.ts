import { AuthError, isAuthError } from '../errors.js';
import { reportRefusal } from '../events.js';
import { clearCookieHeader, type SecureHint } from '../cookies/cookie.js';
import { csrfCookieHeader } from '../cookies/csrf-cookie.js';
import { isCrossSite } from '../authentication/csrf.js';
import { cookieValues } from '../authentication/headers.js';
import { requestPath, type RequestLike } from '../authentication/request.js';
import { storeWrite } from '../stores/store-check.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import type { Tokens } from '../token/tokens.js';
import { cookieConfig } from '../cookies/session-cookies.js';
import { loginEnd } from './login.js';
import { isOwnToken } from '../token/trust.js';
import { revoke, revokeSubject } from './revoke.js';
import type { SessionSettings } from './settings.js';
import { tokensToEnd, type AccessReader } from './sign-out-tokens.js';

/** What `signOut` takes. */
export interface SignOutOptions {
  /** Also refuse every other token of the same subject ("log out everywhere"). */
  readonly everywhere?: boolean;
}

export interface EndSessionOptions extends SecureHint, SignOutOptions {
  /** The session's claims when already verified (`req.auth.claims`); otherwise the request is authenticated. */
  readonly claims?: Claims | undefined;
  /**
   * The request's path as the browser sent it (`req.originalUrl`, `ctx.originalUrl`, `request.originalUrl`);
   * with refresh tokens on, it must lie under `refresh.path`. @default the path of `req.url`
   */
  readonly path?: string | undefined;
  /** The framework's own request (Koa's `ctx`, Fastify's `request`), which `getToken` gets. @default req */
  readonly request?: unknown;
}

/** A sign-out: the `Set-Cookie` values that clear the session, ready at once, and the revocation. */
export interface EndedSession {
  readonly cookies: readonly string[];
  /** Settles when the login is revoked; rejects with `ERR_STORE_UNAVAILABLE` when the store cannot answer. */
  readonly revoked: Promise<void>;
}

// RFC 6265 §5.1.4: whether a cookie with path `cookiePath` is sent to `path`.
function cookieReaches(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true;
  return path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/');
}

// Whether the route of a sign-out at request target `target` lies under `cookiePath`. Routers follow
// the path of an absolute-form target (`http://host/auth/logout`) and match it in any case (the default
// of Express and @koa/router): a client's choice of either is its input, never the app's misrouting.
function routedUnder(target: string, cookiePath: string): boolean {
  const path = target.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, '').replace(/[?#][^]*$/, '') || '/';
  return cookieReaches(path.toLowerCase(), cookiePath.toLowerCase());
}

async function revokeLogin<C extends Claims>(
  o: SessionSettings,
  tokens: Tokens<C>,
  reader: AccessReader<C>,
  req: RequestLike,
  options: EndSessionOptions,
): Promise<void> {
  const store = o.store;
  if (store === undefined) return;
  // The refresh cookie names the login even after its access token has expired. Every token is read,
  // then every write goes out together: two round trips, whatever there is to revoke.
  // Another issuer's tokens are its own to end (the store holds the app's logins, under the app's
  // subjects): signing out with one clears the cookies and revokes nothing.
  const ending = (await tokensToEnd(o, tokens, reader, req, options.claims, options.request)).filter(
    ({ claims }) => isOwnToken(o, claims),
  );
  const writes: Promise<void>[] = [];
  const logins = new Map<string, { sub: string | undefined; until: number }>();
  for (const { claims, refresh: isRefresh } of ending) {
    // A token of a login is revoked with its login (sid); only a token without one needs its own entry.
    if (!isRefresh && typeof claims.jti === 'string' && typeof claims.sid !== 'string')
      writes.push(revoke(o, claims));
    if (typeof claims.sid !== 'string') continue;
    const until = Math.max(loginEnd(o, claims, isRefresh), logins.get(claims.sid)?.until ?? -Infinity);
    logins.set(claims.sid, { sub: subjectOf(claims), until });
  }
  for (const [sid, { sub, until }] of logins)
    writes.push(storeWrite(() => store.revoke(`sid:${sid}`, until, sub), o.storeOutage));
  // Everywhere is for the subject the request authenticated as (its access tokens), or else that of
  // its refresh cookies; all of them when a name came twice, so a planted one shields no one.
  const access = ending.filter((t) => !t.refresh);
  const subs = new Set(
    (access.length > 0 ? access : ending)
      .map(({ claims }) => subjectOf(claims))
      .filter((sub) => sub !== undefined),
  );
  // A subject of '' names nobody ("log out everywhere" needs one): its logins end by their sid.
  if (options.everywhere) for (const sub of subs) if (sub !== '') writes.push(revokeSubject(o, sub));
  // Every write settles before the answer: a 503 must not come while a "log out everywhere" is still
  // on its way, to cut a login the user makes right after it.
  const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  for (const sub of subs.size === 0 ? [undefined] : subs)
    o.emit?.({ type: 'signed-out', sub, everywhere: options.everywhere === true });
}

/** Whether the request carries the session cookie or the refresh cookie: another site's form would. */
export function carriesSessionCookie(
  o: Pick<SessionSettings, 'cookie' | 'refresh'>,
  req: RequestLike,
): boolean {
  const carries = (name: string): boolean => cookieValues(req.headers.cookie, name).some((v) => v !== '');
  try {
    return carries(cookieConfig(o).name) || (o.refresh !== undefined && carries(o.refresh.cookie.name));
  } catch {
    // A Cookie header that is no text carries no session.
    return false;
  }
}

/** The `Set-Cookie` values that clear the session: its cookie, the CSRF cookie and the refresh cookie. */
export function clearingCookies(
  o: Pick<SessionSettings, 'cookie' | 'csrf' | 'refresh'>,
  hint: SecureHint,
): string[] {
  const cookies = [clearCookieHeader(cookieConfig(o), hint)];
  if (o.csrf?.cookie !== undefined) cookies.push(csrfCookieHeader(o.csrf.cookie, undefined, undefined, hint));
  if (o.refresh !== undefined) cookies.push(clearCookieHeader(o.refresh.cookie, hint));
  return cookies;
}

/**
 * The `Set-Cookie` values that clear the session, at once, and the revocation of the request's login
 * (from its access token, or its refresh cookie once that has expired), when there is a store.
 * `reader` reads the request's own access tokens. Throws a TypeError when refresh tokens are on and
 * the request's path is outside `refresh.path`.
 */
export function endSession<C extends Claims>(
  o: SessionSettings,
  tokens: Tokens<C>,
  reader: AccessReader<C>,
  req: RequestLike,
  options: EndSessionOptions = {},
): EndedSession {
  cookieConfig(o);
  const { realm } = o;
  const path = options.path ?? requestPath(req);
  // A sign-out the refresh cookie cannot reach would leave a login alive once its access token
  // expired: refuse that routing loudly, at the first sign-out.
  if (
    o.refresh !== undefined &&
    path !== undefined &&
    path !== '' &&
    !routedUnder(path, o.refresh.cookie.attributes.path ?? '/')
  ) {
    throw new TypeError(
      `jwt-gate: sign-out at "${path}" cannot see the refresh cookie, which is sent only under refresh.path "${o.refresh.cookie.attributes.path}": route sign-out under it`,
    );
  }
  // Another site's form or link must not log the browser out (logout CSRF): no cookie cleared, nothing
  // revoked. Whatever the method: a GET sign-out changes state as much as a POST one.
  const crossSite = o.csrf !== undefined && isCrossSite(req, o.csrf);
  if (crossSite && carriesSessionCookie(o, req)) {
    const refused = Promise.reject(
      reportRefusal(o.refused, new AuthError('ERR_CSRF', { realm }), req, {
        path: options.path,
        request: options.request,
      }),
    );
    refused.catch(() => undefined);
    return { cookies: [], revoked: refused };
  }
  // The clearing cookies come first, so a sign-out that is not awaited still logs the browser out. Not
  // for a cross-site request without the session cookies: that is what a browser sends for another
  // site's form (SameSite=Lax and Strict withhold them), and the response would still clear them. Only
  // a token such a request carries on purpose (Bearer) is revoked.
  const cookies = crossSite ? [] : clearingCookies(o, options);
  const revoked = revokeLogin(o, tokens, reader, req, options).catch((err: unknown) => {
    throw isAuthError(err) ? new AuthError(err.code, { realm, cause: err.cause, setCookie: cookies }) : err;
  });
  // Marked as handled: an un-awaited sign-out must not take the process down; awaiting still rejects.
  revoked.catch(() => undefined);
  return { cookies, revoked };
}

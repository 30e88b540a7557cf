import { AuthError, refusedSubject } from '../errors.js';
import { isPromiseLike } from '../promise.js';
import type { Refusal } from '../refusal.js';
import type { Claims } from '../jws/claims.js';
import type { Tokens } from '../token/tokens.js';
import { checkCsrf } from './csrf.js';
import { cookieValues } from './headers.js';
import {
  extractToken,
  foundToken,
  tokenFrom,
  tokensFrom,
  type FoundToken,
  type RequestContext,
  type RequestLike,
  type TokenSource,
} from './request.js';
import type { AuthenticationSettings } from './settings.js';

/** A request that carried a valid token. */
export interface Authenticated<U = Claims, C extends Claims = Claims> {
  readonly user: U;
  readonly claims: C;
  readonly token: string;
  /** Where the request carried it: only a cookie token is checked for CSRF and renewed. */
  readonly source: TokenSource;
}

/** A request's token, found, verified, CSRF-checked and mapped to a user. */
export interface Authentication<U, C extends Claims> {
  /** `null` when the request carries no token; rejects with an AuthError when it carries a bad one. */
  readonly authenticate: (req: RequestLike, context?: RequestContext) => Promise<Authenticated<U, C> | null>;
  /**
   * The request's tokens, unverified, for sign-out: what `getToken` found, the Bearer token, or every
   * value of the session cookie (one planted beside the browser's own must not hide it). `request` is
   * what `getToken` receives.
   */
  readonly requestTokens: (req: RequestLike, request?: unknown) => Promise<readonly FoundToken[]>;
  /**
   * An access token verified, its refusal reported, without the CSRF checks and the user mapper (a
   * users database that is down must not keep a login alive), asking the store itself. For sign-out.
   */
  readonly verifyAccess: (token: string) => Promise<C>;
  /** Whether renewing `session` may write its token into the session cookie. */
  readonly renewable: (session: Authenticated<U, C>) => boolean;
}

export function createAuthentication<U, C extends Claims>(
  o: AuthenticationSettings<U, C>,
  { verifyToken, verifyFromStore }: Tokens<C>,
  refusal: Refusal,
): Authentication<U, C> {
  // Sessions getToken found outside the session cookie (a query string, a header): they get the cookie's
  // CSRF checks, but a renewal, which writes the session cookie, would turn a link carrying someone
  // else's token into a sign-in as them.
  const notTheCookie = new WeakSet();

  function authenticated(
    req: RequestLike,
    { token, source }: FoundToken,
    claims: C,
  ): Authenticated<U, C> | Promise<Authenticated<U, C>> {
    try {
      // A cookie rides along on any request the browser makes; a Bearer header never does.
      if (source === 'cookie') checkCsrf(req, claims, o.csrf);
      if (o.user === undefined) return { user: claims as unknown as U, claims, token, source };
      const user = o.user(claims);
      return isPromiseLike(user)
        ? Promise.resolve(user).then((u) => withUser(u, claims, token, source))
        : withUser(user, claims, token, source);
    } catch (err) {
      throw refusedSubject(err, claims);
    }
  }

  // A mapper that finds no user (a deleted account) refuses the token, as passport does: `false` is
  // passport's own word for nobody (`done(null, false)`), so it refuses too.
  function withUser(
    user: U | null | undefined | false,
    claims: C,
    token: string,
    source: TokenSource,
  ): Authenticated<U, C> {
    if (user === null || user === undefined || user === false)
      throw refusedSubject(new AuthError('ERR_USER_NOT_FOUND'), claims);
    return { user, claims, token, source };
  }

  // What getToken found, as a session: a bare string is cookie-borne unless it is not the session cookie.
  async function fromGetToken(req: RequestLike, value: unknown): Promise<Authenticated<U, C> | null> {
    const fromApp = foundToken(value);
    if (fromApp === undefined) return null;
    const inCookie =
      fromApp.source === 'cookie' && o.cookie !== undefined
        ? cookieValues(req.headers.cookie, o.cookie.name)
        : [];
    // getToken picked one of two session cookies: one may be planted, so neither is used.
    if (inCookie.length > 1 && inCookie.includes(fromApp.token)) throw new AuthError('ERR_DUPLICATE_COOKIE');
    const session = await authenticated(req, fromApp, await verifyToken(fromApp.token, o.typKey));
    if (fromApp.source === 'cookie' && inCookie[0] !== fromApp.token) notTheCookie.add(session);
    return session;
  }

  // With getToken among the sources: each in order, until one holds a token.
  async function authenticateInOrder(
    req: RequestLike,
    context: RequestContext | undefined,
  ): Promise<Authenticated<U, C> | null> {
    try {
      for (const source of o.sources.order) {
        if (source === 'getToken') {
          const session = await fromGetToken(req, await o.getToken?.(context?.request ?? req));
          if (session !== null) return session;
          continue;
        }
        const found = tokenFrom(req, source, o.sources.cookieName);
        if (found !== undefined)
          return await authenticated(req, found, await verifyToken(found.token, o.typKey));
      }
      return null;
    } catch (err) {
      throw refusal.error(err, req, context);
    }
  }

  // Synchronous as far as the token, the key, the user mapper and the store allow: one promise per request.
  function authenticate(req: RequestLike, context?: RequestContext): Promise<Authenticated<U, C> | null> {
    try {
      if (o.getToken) return authenticateInOrder(req, context);
      const found = extractToken(req, o.sources);
      if (found === undefined || found.token === '') return Promise.resolve(null);
      const claims = verifyToken(found.token, o.typKey);
      if (claims instanceof Promise)
        return refusal.settle(
          claims.then((verified) => authenticated(req, found, verified)),
          req,
          context,
        );
      return refusal.settle(authenticated(req, found, claims), req, context);
    } catch (err) {
      return refusal.reject(err, req, context);
    }
  }

  async function requestTokens(req: RequestLike, request?: unknown): Promise<readonly FoundToken[]> {
    try {
      for (const source of o.sources.order) {
        const found =
          source === 'getToken'
            ? await getTokenTokens(req, request)
            : tokensFrom(req, source, o.sources.cookieName);
        if (found.length > 0) return found;
      }
      return [];
    } catch (err) {
      throw refusal.error(err, req);
    }
  }

  async function getTokenTokens(req: RequestLike, request: unknown): Promise<readonly FoundToken[]> {
    const found = foundToken(await o.getToken?.(request ?? req));
    if (found === undefined) return [];
    // getToken picked one of two session cookies: the other is ended too.
    const inCookie =
      found.source === 'cookie' && o.cookie !== undefined
        ? cookieValues(req.headers.cookie, o.cookie.name).filter((token) => token !== '')
        : [];
    return inCookie.length > 1 && inCookie.includes(found.token)
      ? inCookie.map((token) => ({ token, source: 'cookie' }))
      : [found];
  }

  const verifyAccess = (token: string): Promise<C> => {
    try {
      return refusal.settle(verifyFromStore(token, o.typKey));
    } catch (err) {
      return refusal.reject(err);
    }
  };

  const renewable = (session: Authenticated<U, C>): boolean => !notTheCookie.has(session);

  return Object.freeze({ authenticate, requestTokens, verifyAccess, renewable });
}

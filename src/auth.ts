import type { Claims } from './token/claims.js';
import { clearCookieHeader, sessionCookieHeader, type SecureHint } from './http/cookie.js';
import type { Duration } from './duration.js';
import { AuthError, withRealm } from './errors.js';
import { AUTH_EVENTS, reportRefusal } from './events.js';
import { decodeJsonObject, encodeSegment, parseCompact, signCompact } from './token/jws.js';
import { createLifecycle } from './lifecycle.js';
import { REFRESH_AUDIENCE, REFRESH_TYP, buildPayload } from './token/claims-to-sign.js';
import type { BoundKey, PublicJwk } from './keys/provider.js';
import { resolveOptions, type AuthOptions } from './options.js';
import { checkCsrf, isUnsafe } from './http/csrf.js';
import {
  cookieToken,
  extractToken,
  foundToken,
  type FoundToken,
  type RequestLike,
  type TokenSource,
} from './http/request.js';
import { isPromiseLike } from './promise.js';
import { createVerifier } from './token/verifier.js';

/** Per-token changes to what `issue` sets. */
export interface IssueOverrides {
  readonly expiresIn?: Duration;
  readonly subject?: string;
  readonly audience?: string | readonly string[];
  /** The token is valid only this long after issue. */
  readonly notBefore?: Duration;
  readonly jwtid?: string;
  /** Sign with the provider's key of this `kid`. */
  readonly kid?: string;
}

/** A request that carried a valid token. */
export interface Authenticated<U = Claims, C extends Claims = Claims> {
  readonly user: U;
  readonly claims: C;
  readonly token: string;
  /** Where the request carried it: only a cookie token is checked for CSRF and renewed. */
  readonly source: TokenSource;
}

/** A public JWK Set (RFC 7517 §5). */
export interface JwkSet {
  readonly keys: readonly PublicJwk[];
}

/** A started session: the token and the `Set-Cookie` values that carry it. */
export interface StartedSession {
  readonly token: string;
  readonly cookies: readonly string[];
}

/** What `signOut` takes. */
export interface SignOutOptions {
  /** Also refuse every other token of the same subject ("log out everywhere"). */
  readonly everywhere?: boolean;
}

export interface EndSessionOptions extends SecureHint, SignOutOptions {
  /** The session's claims when already verified (`req.auth.claims`); otherwise the request is authenticated. */
  readonly claims?: Claims | undefined;
  /**
   * The request's path as the browser sent it (Express `req.originalUrl`, Koa `ctx.originalUrl`);
   * with refresh tokens on, it must lie under `refresh.path`. @default the path of `req.url`
   */
  readonly path?: string | undefined;
}

/** A sign-out: the `Set-Cookie` values that clear the session, ready at once, and the revocation. */
export interface EndedSession {
  readonly cookies: readonly string[];
  /** Settles when the login is revoked; rejects with `ERR_STORE_UNAVAILABLE` when the store cannot answer. */
  readonly revoked: Promise<void>;
}

/** Issues and verifies tokens with one set of options. */
export interface Auth<U = Claims, C extends Claims = Claims> {
  /** Signs `claims`, adding `iat`, `exp`, `iss`, `aud` and a random `jti`. */
  issue(claims: C, overrides?: IssueOverrides): Promise<string>;
  /** The token's claims; rejects with an `AuthError` when any check fails. */
  verify(token: string): Promise<C>;
  /** `null` when the request carries no token; rejects with an `AuthError` when it carries a bad one. */
  authenticate(req: RequestLike): Promise<Authenticated<U, C> | null>;
  /** A `Set-Cookie` value holding `token`, living as long as the token. */
  sessionCookie(token: string, hint?: SecureHint): string;
  /** A `Set-Cookie` value that removes the session cookie. */
  clearCookie(hint?: SecureHint): string;
  /** The public JWK Set of every RSA key the provider holds. */
  jwks(): JwkSet;
  /** Refuses this token from now until it expires (needs a store). */
  revoke(claims: Claims): Promise<void>;
  /** Refuses every token of `sub` issued before now: "log out everywhere" (needs a store). */
  revokeSubject(sub: string): Promise<void>;
  /** Issues a token for `claims` and the `Set-Cookie` values of the session (and of its CSRF value). */
  startSession(claims: C, overrides?: IssueOverrides, hint?: SecureHint): Promise<StartedSession>;
  /** Exchanges the request's refresh cookie for a new access token and a new refresh token. */
  refresh(req: RequestLike, hint?: SecureHint): Promise<StartedSession>;
  /** A fresh session for a cookie token past `renew.after` of its lifetime (sliding sessions), else `undefined`. */
  renew(session: Authenticated<U, C>, hint?: SecureHint): Promise<StartedSession | undefined>;
  /**
   * The `Set-Cookie` values that clear the session, at once, and the revocation of the request's login
   * (from its access token, or its refresh cookie once that has expired), when there is a store.
   * Throws a TypeError when refresh tokens are on and the request's path is outside `refresh.path`.
   */
  endSession(req: RequestLike, options?: EndSessionOptions): EndedSession;
  /** The realm named in `WWW-Authenticate` challenges. */
  readonly realm: string;
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

function headerSegmentCache(typ: string): (key: BoundKey) => string {
  const cache = new Map<string, string>();
  // Providers hand out the same bound key each time: remember the last one without building an id.
  let lastKey: BoundKey | undefined;
  let lastSegment = '';
  return (key) => {
    if (key === lastKey) return lastSegment;
    const id = `${key.alg}:${key.kid ?? ''}`;
    let segment = cache.get(id);
    if (segment === undefined) {
      segment = encodeSegment({ alg: key.alg, typ, ...(key.kid === undefined ? {} : { kid: key.kid }) });
      cache.set(id, segment);
    }
    lastKey = key;
    lastSegment = segment;
    return segment;
  };
}

/** Resolves `options` once and returns the issuer/verifier built on them. */
export function createAuth<U = Claims, C extends Claims = Claims, R extends RequestLike = RequestLike>(
  options: AuthOptions<U, C, R>,
): Auth<U, C> {
  const o = resolveOptions(options);
  const { provider, realm } = o;
  const headerSegment = headerSegmentCache(o.typ);
  const refreshHeaderSegment = headerSegmentCache(REFRESH_TYP);

  const checkToken = createVerifier(o);
  // Sessions getToken found outside the session cookie (a query string, a header): they get the cookie's
  // CSRF checks, but a renewal, which writes the session cookie, would turn a link carrying someone
  // else's token into a sign-in as them.
  const notTheCookie = new WeakSet();

  function verifyToken(token: unknown, expectedTyp: string = o.typKey): Promise<C> {
    try {
      const result = checkToken(token, expectedTyp);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function cookieConfig(): NonNullable<typeof o.cookie> {
    if (o.cookie === undefined) throw new TypeError('jwt-gate: cookies are turned off (cookie: false)');
    return o.cookie;
  }

  function fits(token: string): string {
    if (token.length > o.maxTokenBytes)
      throw new RangeError(`jwt-gate: the token is ${token.length} bytes, over maxTokenBytes`);
    return token;
  }

  // Not async: one promise per token, the one signCompact returns.
  function sign(claims: C, overrides?: IssueOverrides, refreshToken = false): Promise<string> {
    try {
      const payload = buildPayload(
        o,
        claims,
        refreshToken ? { ...overrides, audience: REFRESH_AUDIENCE } : overrides,
      );
      const kid = overrides?.kid;
      const key = provider.signingKey?.(kid);
      if (key === undefined) {
        throw new TypeError(
          kid === undefined
            ? 'jwt-gate: this key provider cannot sign (no private key or secret)'
            : `jwt-gate: no signing key with kid "${kid}"`,
        );
      }
      return signCompact(
        key.alg,
        key.key,
        (refreshToken ? refreshHeaderSegment : headerSegment)(key),
        payload,
      ).then(fits);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function authenticated(
    req: RequestLike,
    { token, source }: FoundToken,
    claims: C,
  ): Authenticated<U, C> | Promise<Authenticated<U, C>> {
    // A cookie rides along on any request the browser makes; a Bearer header never does.
    if (o.csrf !== undefined && source === 'cookie' && isUnsafe(req)) checkCsrf(req, claims, o.csrf);
    if (o.user === undefined) return { user: claims as unknown as U, claims, token, source };
    const user = o.user(claims);
    return isPromiseLike(user)
      ? Promise.resolve(user).then((u) => withUser(u, claims, token, source))
      : withUser(user, claims, token, source);
  }

  // A mapper that finds no user (a deleted account) refuses the token, as passport does.
  function withUser(
    user: U | null | undefined,
    claims: C,
    token: string,
    source: TokenSource,
  ): Authenticated<U, C> {
    if (user === null || user === undefined) throw new AuthError('ERR_USER_NOT_FOUND');
    return { user, claims, token, source };
  }

  async function authenticateLater(
    req: RequestLike,
    pending: Promise<unknown> | Promise<C>,
    found?: FoundToken,
  ): Promise<Authenticated<U, C> | null> {
    try {
      if (found === undefined) {
        const fromApp = foundToken(await pending);
        if (fromApp === undefined) return null;
        const session = await authenticated(req, fromApp, await verifyToken(fromApp.token));
        if (
          fromApp.source === 'cookie' &&
          (o.cookie === undefined || cookieToken(req.headers.cookie, o.cookie.name) !== fromApp.token)
        )
          notTheCookie.add(session);
        return session;
      }
      return await authenticated(req, found, (await pending) as C);
    } catch (err) {
      throw reportRefusal(o.emit, withRealm(err, realm));
    }
  }

  // Synchronous as far as the token, the key, the user mapper and the store allow: one promise per request.
  function authenticate(req: RequestLike): Promise<Authenticated<U, C> | null> {
    try {
      if (o.getToken) return authenticateLater(req, Promise.resolve(o.getToken(req)));
      const found = extractToken(req, o.sources);
      if (found === undefined || found.token === '') return Promise.resolve(null);
      const claims = checkToken(found.token, o.typKey);
      if (claims instanceof Promise) return authenticateLater(req, claims, found);
      const result = authenticated(req, found, claims);
      return result instanceof Promise
        ? result.catch((err: unknown) => Promise.reject(reportRefusal(o.emit, withRealm(err, realm))))
        : Promise.resolve(result);
    } catch (err) {
      return Promise.reject(reportRefusal(o.emit, withRealm(err, realm)));
    }
  }

  // What sign-out needs of a request: its token, verified and CSRF-checked. Not the user mapper: a
  // users database that is down must not keep a login alive.
  async function requestClaims(req: RequestLike): Promise<C | undefined> {
    try {
      const found = o.getToken ? foundToken(await o.getToken(req)) : extractToken(req, o.sources);
      if (found === undefined || found.token === '') return undefined;
      const claims = await verifyToken(found.token);
      if (o.csrf !== undefined && found.source === 'cookie' && isUnsafe(req)) checkCsrf(req, claims, o.csrf);
      return claims;
    } catch (err) {
      throw reportRefusal(o.emit, withRealm(err, realm));
    }
  }

  // Our own freshly issued token: its `exp` sets the cookies' lifetime.
  function lifetimeOf(token: string): number | undefined {
    const { exp } = decodeJsonObject(parseCompact(token, o.maxTokenBytes).payloadSegment);
    return typeof exp === 'number' ? exp - Math.floor(o.now() / 1000) : undefined;
  }

  const lifecycle = createLifecycle(o, { sign, verifyToken, requestClaims, cookieConfig, lifetimeOf });

  const auth = {
    realm,
    cookieName: o.cookie?.name,
    issue: (claims: C, overrides?: IssueOverrides): Promise<string> => sign(claims, overrides),
    authenticate,
    ...lifecycle,
    renew: (session: Authenticated<U, C>, hint?: SecureHint): Promise<StartedSession | undefined> =>
      notTheCookie.has(session) ? Promise.resolve(undefined) : lifecycle.renew(session, hint),

    verify(token: string): Promise<C> {
      try {
        const result = checkToken(token, o.typKey);
        return result instanceof Promise
          ? result.catch((err: unknown) => Promise.reject(reportRefusal(o.emit, withRealm(err, realm))))
          : Promise.resolve(result);
      } catch (err) {
        return Promise.reject(reportRefusal(o.emit, withRealm(err, realm)));
      }
    },

    sessionCookie(token: string, hint?: SecureHint): string {
      return sessionCookieHeader(cookieConfig(), token, lifetimeOf(token), hint);
    },

    clearCookie(hint?: SecureHint): string {
      return clearCookieHeader(cookieConfig(), hint);
    },

    jwks(): JwkSet {
      return { keys: [...(provider.publicJwks?.() ?? [])] };
    },
  };
  Object.defineProperty(auth, AUTH_EVENTS, { value: o.emit });
  return Object.freeze(auth);
}

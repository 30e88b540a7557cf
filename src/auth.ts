import { createAuthentication, type Authenticated } from './authentication/authenticate.js';
import { clearCookieHeader, sessionCookieHeader, type SecureHint } from './cookies/cookie.js';
import { lowerCased, type RequestContext, type RequestLike } from './authentication/request.js';
import { AUTH_EVENTS } from './events.js';
import type { PublicJwk } from './keys/provider.js';
import type { AuthOptions } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { createRefusal } from './refusal.js';
import { cookieConfig, type StartedSession } from './cookies/session-cookies.js';
import { refresh } from './session/refresh.js';
import { renew } from './session/renew.js';
import { revoke, revokeSubject } from './session/revoke.js';
import { endLoginOf, type EndLoginOptions, type EndedLogin } from './session/end-login.js';
import { endLogin, listLogins, type Login, type LoginsOptions } from './session/logins.js';
import { startSession, type SignInOptions } from './session/sign-in.js';
import { endSession, type EndSessionOptions, type EndedSession } from './session/sign-out.js';
import type { Claims } from './jws/claims.js';
import type { IssueOverrides } from './token/claims-to-sign.js';
import { createTokens } from './token/tokens.js';

/** A public JWK Set (RFC 7517 §5). */
export interface JwkSet {
  readonly keys: readonly PublicJwk[];
}

/** Issues and verifies tokens with one set of options. */
export interface Auth<U = Claims, C extends Claims = Claims> {
  /** Signs `claims`, adding `iat`, `exp`, `iss`, `aud` and a random `jti`. */
  issue(claims: C, overrides?: IssueOverrides): Promise<string>;
  /** The token's claims; rejects with an `AuthError` when any check fails. */
  verify(token: string): Promise<C>;
  /**
   * `null` when the request carries no token; rejects with an `AuthError` when it carries a bad one.
   * Header names in any case. `context` is what an adapter knows besides: the framework's own request
   * for `getToken` and `requestId`, the path and route for `refused` events.
   */
  authenticate(req: RequestLike, context?: RequestContext): Promise<Authenticated<U, C> | null>;
  /** A `Set-Cookie` value holding `token`, living as long as the token. */
  sessionCookie(token: string, hint?: SecureHint): string;
  /** A `Set-Cookie` value that removes the session cookie. */
  clearCookie(hint?: SecureHint): string;
  /** The public JWK Set of every asymmetric key the provider holds (RSA, EC P-256, Ed25519). */
  jwks(): JwkSet;
  /** Refuses this token from now until it expires (needs a store). */
  revoke(claims: Claims): Promise<void>;
  /** Refuses every token of `sub` issued before now: "log out everywhere" (needs a store). */
  revokeSubject(sub: string): Promise<void>;
  /**
   * Issues a token for `claims` and the `Set-Cookie` values of the session (and of its CSRF value);
   * `options.meta` is what `logins` shows of the login.
   */
  startSession(claims: C, options?: SignInOptions, hint?: SecureHint): Promise<StartedSession>;
  /** Exchanges the request's refresh cookie for a new access token and a new refresh token. */
  refresh(req: RequestLike, hint?: SecureHint & RequestContext): Promise<StartedSession>;
  /** A fresh session for a cookie token past `renew.after` of its lifetime (sliding sessions), else `undefined`. */
  renew(session: Authenticated<U, C>, hint?: SecureHint): Promise<StartedSession | undefined>;
  /**
   * The `Set-Cookie` values that clear the session, at once, and the revocation of the request's login
   * (from its access token, or its refresh cookie once that has expired), when there is a store.
   * Throws a TypeError when refresh tokens are on and the request's path is outside `refresh.path`.
   */
  endSession(req: RequestLike, options?: EndSessionOptions): EndedSession;
  /**
   * The live logins of `sub` ("Your sessions": each device or browser it signed in on), newest first;
   * `current` (the request's `sid`) marks its own. Needs a store that keeps logins (both built-in ones do).
   */
  logins(sub: string, options?: LoginsOptions): Promise<Login[]>;
  /**
   * Ends one login of `sub` by its `sid`, its access and refresh tokens, on every instance within the
   * store's staleness: true when it did; false, writing nothing, when `sub` has no live login of that
   * sid (ended already, expired, or another user's). For the request's own user, use `endLoginOf`.
   */
  endLogin(sub: string, sid: string): Promise<boolean>;
  /**
   * Ends the login `sid` of the request's user (`options.session`, as its guard found it), with
   * sign-out's cross-site rules; clears the browser's session when that login is the request's own.
   */
  endLoginOf(req: RequestLike, sid: unknown, options: EndLoginOptions): EndedLogin;
  /** The realm named in `WWW-Authenticate` challenges. */
  readonly realm: string;
  /** The session cookie's name, or `undefined` when cookies are off. */
  readonly cookieName: string | undefined;
}

/**
 * Resolves `options` once and wires the three parts built on them: tokens (sign, verify), the
 * authentication of a request, and the session lifecycle (sign-in, renewal, refresh, sign-out).
 */
export function createAuth<U = Claims, C extends Claims = Claims, R extends RequestLike = RequestLike>(
  options: AuthOptions<U, C, R>,
): Auth<U, C> {
  const o = resolveOptions(options);
  const tokens = createTokens(o);
  const refusal = createRefusal(o.refused, o.realm);
  const authentication = createAuthentication(o, tokens, refusal);
  const { authenticate, renewable } = authentication;

  // A request made by hand may name its headers in any case; getToken still gets the request as it was.
  const asGiven = <T extends { readonly request?: unknown }>(
    req: RequestLike,
    lowered: RequestLike,
    more?: T,
  ) => (lowered === req || more?.request !== undefined ? more : { ...more, request: req });

  const auth: Auth<U, C> = {
    realm: o.realm,
    cookieName: o.cookie?.name,
    issue: (claims, overrides) => tokens.sign(claims, overrides),
    authenticate(req, context) {
      const lowered = lowerCased(req);
      return authenticate(lowered, asGiven(req, lowered, context));
    },
    revoke: (claims) => revoke(o, claims),
    revokeSubject: (sub) => revokeSubject(o, sub),
    startSession: (claims, overrides, hint) => startSession(o, tokens, claims, overrides, hint),
    endSession(req, endOptions) {
      const lowered = lowerCased(req);
      return endSession(o, tokens, authentication, lowered, asGiven(req, lowered, endOptions));
    },
    logins: (sub, listOptions) => listLogins(o, sub, listOptions),
    endLogin: (sub, sid) => endLogin(o, sub, sid),
    endLoginOf: (req, sid, endOptions) => endLoginOf(o, lowerCased(req), sid, endOptions),
    // A token getToken found outside the session cookie is never written into it.
    renew: (session, hint) =>
      renewable(session) ? renew(o, tokens, session, hint) : Promise.resolve(undefined),
    refresh: (req, hint) => refresh(o, tokens, refusal, lowerCased(req), hint),
    verify(token) {
      try {
        return refusal.settle(tokens.verifyToken(token, o.typKey));
      } catch (err) {
        return refusal.reject(err);
      }
    },
    sessionCookie: (token, hint) =>
      sessionCookieHeader(cookieConfig(o), token, tokens.lifetimeOf(token), hint),
    clearCookie: (hint) => clearCookieHeader(cookieConfig(o), hint),
    jwks: () => ({ keys: [...(o.provider.publicJwks?.() ?? [])] }),
  };
  Object.defineProperty(auth, AUTH_EVENTS, { value: o.refused });
  return Object.freeze(auth);
}

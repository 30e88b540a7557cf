import { checkAccess, type AccessRules } from './access.js';
import { createAuth, type Auth } from '../auth.js';
import type { StartedSession } from '../cookies/session-cookies.js';
import type { Authenticated } from '../authentication/authenticate.js';
import type { Claims } from '../jws/claims.js';
import type { SecureHint } from '../cookies/cookie.js';
import { AuthError, isAuthError, refusedSubject, toHttpError, withRealm, type HttpError } from '../errors.js';
import { eventsOf, reportRefusal } from '../events.js';
import { checkKnownKeys, optionError, stringArray } from '../validate.js';
import type { AuthOptions } from '../options.js';
import { lowerCased, type RequestContext, type RequestLike } from '../authentication/request.js';
import { inStyle, type ErrorStyle, type UnauthorizedError } from './peer-errors.js';
import { isPreflight, resolvePreflight } from './preflight.js';
import { resolveSkip, type SkipRules } from './skip.js';

/** The second argument of `requireAuth` / `optionalAuth`. */
export interface GuardOptions<C extends Claims = Claims> extends AccessRules<C> {
  /**
   * Who answers a refusal. `'respond'`: the guard, with a JSON body and the RFC 6750 challenge.
   * `'forward'`: your error handler, given the `AuthError`. `'express-jwt'`, `'koa-jwt'`: your error
   * handler, given an `UnauthorizedError` shaped as those libraries throw theirs (`name`, `code`,
   * `inner`, `originalError`, `status`), the `AuthError` as its `cause` (jwt-gate/fastify takes neither).
   * @default 'respond'
   */
  readonly errors?: 'respond' | 'forward' | ErrorStyle;
  /**
   * `optionalAuth` only: what a request with a bad token gets. `'anonymous'` goes on without a user
   * (an expired cookie must not break a public page); `'refuse'` answers 401 as `requireAuth` would,
   * while a request with no token still goes on (express-jwt's `credentialsRequired: false`).
   * @default 'anonymous'
   */
  readonly invalid?: 'anonymous' | 'refuse';
  /** Requests that go on without authentication, as express-unless's `.unless()`: public paths and methods. */
  readonly unless?: SkipRules;
  /**
   * Where the adapter puts the token's claims: `req[property]` (Express), `ctx.state[property]` (Koa),
   * `request[property]` (Fastify). Rename it when another library uses `auth`; `false` sets nothing (read
   * the claims, and the token, with `authOf`). @default 'auth'
   */
  readonly property?: string | false;
  /**
   * A CORS preflight never carries credentials. `'answer'`: the guard answers it itself (204) and no
   * handler after the guard runs for it. `'next'`: it goes on without a user, for a CORS handler mounted
   * after the guard; every handler after the guard that answers OPTIONS then runs for it. @default 'answer'
   */
  readonly preflight?: 'answer' | 'next';
}

/** Whether a guard insists on a user (`requireAuth`) or lets anonymous requests go on (`optionalAuth`). */
export type GuardMode = 'required' | 'optional';

/** What a guard decided for one request; adapters only write it out. */
export type GuardDecision<U, C extends Claims> =
  | {
      readonly kind: 'user';
      readonly authenticated: Authenticated<U, C>;
      readonly cookies: readonly string[] | undefined;
    }
  | { readonly kind: 'anonymous'; readonly authError: AuthError | undefined }
  /** A CORS preflight the guard answers itself: 204, and nothing after it runs. */
  | { readonly kind: 'preflight' }
  | { readonly kind: 'respond'; readonly error: AuthError; readonly http: HttpError }
  /** For the app's error handler: the AuthError, or (errors: 'express-jwt' | 'koa-jwt') the peer's shape of it. */
  | { readonly kind: 'forward'; readonly error: AuthError | UnauthorizedError };

/**
 * What an adapter knows of the request beyond its headers: whether it came over HTTPS, the framework's
 * own request (what `getToken` and `requestId` receive), the path before routing, the route, and the
 * path the router serves.
 */
export interface GuardContext extends SecureHint, RequestContext {
  /**
   * The path the framework routes the request by, which `unless` tests: after any rewrite before the
   * guard, and from the root when the guard is mounted under a prefix (Express `req.baseUrl + req.path`).
   * Not `path`: a rewrite of `/open/me` to `/me` would let `/me` through. @default req.url
   */
  readonly routedPath?: string | undefined;
}

/** `context.secure` says whether the request came over HTTPS, for the `Secure` flag of a renewed cookie. */
export interface Guard<U, C extends Claims> {
  (req: RequestLike, context?: GuardContext): Promise<GuardDecision<U, C>>;
  /** Where the adapter puts the claims, or `undefined` for nowhere. */
  readonly property: string | undefined;
}

// Names the adapter sets itself, or that would reach the prototype.
const RESERVED = new Set(['user', 'authError', '__proto__', 'constructor', 'prototype']);

function resolveProperty(value: unknown): string | undefined {
  if (value === false) return undefined;
  if (value === undefined) return 'auth';
  if (typeof value !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(value) || RESERVED.has(value)) {
    throw new TypeError(
      'jwt-gate: "property" must be a name such as "jwt" (not user, authError or __proto__), or false',
    );
  }
  return value;
}

/** Takes an `Auth`, or options to build one, so `requireAuth({ key })` works as a one-liner. */
export function toAuth<U, C extends Claims, R extends RequestLike = RequestLike>(
  authOrOptions: Auth<U, C> | AuthOptions<U, C, R>,
): Auth<U, C> {
  const candidate = authOrOptions as Partial<Auth<U, C>> | null;
  if (typeof candidate === 'object' && candidate !== null && typeof candidate.authenticate === 'function') {
    return authOrOptions as Auth<U, C>;
  }
  return createAuth(authOrOptions as AuthOptions<U, C, R>);
}

function resolveGuardOptions<C extends Claims>(options: GuardOptions<C>, mode: GuardMode) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('jwt-gate: guard options must be an object');
  checkKnownKeys(
    options,
    ['roles', 'scopes', 'check', 'errors', 'invalid', 'unless', 'property', 'preflight'],
    mode === 'required' ? 'requireAuth' : 'optionalAuth',
  );
  const errors = options.errors ?? 'respond';
  if (!['respond', 'forward', 'express-jwt', 'koa-jwt'].includes(errors))
    throw optionError('errors', '"respond", "forward", "express-jwt" or "koa-jwt"');
  const invalid = options.invalid ?? 'anonymous';
  if (invalid !== 'anonymous' && invalid !== 'refuse')
    throw optionError('invalid', '"anonymous" or "refuse"');
  if (mode === 'required' && options.invalid !== undefined)
    throw new TypeError('jwt-gate: "invalid" is an optionalAuth option: requireAuth refuses every bad token');
  if (options.check !== undefined && typeof options.check !== 'function')
    throw optionError('check', 'a function');
  const roles = stringArray(options.roles, 'roles');
  const scopes = stringArray(options.scopes, 'scopes');
  return Object.freeze({
    errors,
    refuseInvalid: mode === 'required' || invalid === 'refuse',
    skip: resolveSkip(options.unless),
    preflight: resolvePreflight(options.preflight),
    property: resolveProperty(options.property),
    access: Object.freeze({
      ...(roles ? { roles } : {}),
      ...(scopes ? { scopes } : {}),
      ...(options.check ? { check: options.check } : {}),
    }),
  });
}

const ANONYMOUS = Object.freeze({ kind: 'anonymous', authError: undefined } as const);
const PREFLIGHT = Object.freeze({ kind: 'preflight' } as const);

/**
 * The framework-neutral half of `requireAuth` (`'required'`) and `optionalAuth` (`'optional'`). An
 * outage (503) and any error that is not an AuthError are never turned into an anonymous request or a 401.
 */
export function createGuard<U, C extends Claims>(
  auth: Auth<U, C>,
  options: GuardOptions<C>,
  mode: GuardMode,
): Guard<U, C> {
  if (mode !== 'required' && mode !== 'optional')
    throw new TypeError('jwt-gate: the guard mode must be "required" or "optional"');
  const { errors, refuseInvalid, skip, property, preflight, access } = resolveGuardOptions(options, mode);
  const checksAccess =
    access.roles !== undefined || access.scopes !== undefined || access.check !== undefined;
  const report = eventsOf(auth);
  const refuse = (error: AuthError, req: RequestLike): GuardDecision<U, C> => {
    if (errors === 'respond') return { kind: 'respond', error, http: toHttpError(error, auth.realm) };
    if (errors === 'forward') return { kind: 'forward', error };
    // express-jwt names an Authorization header of another scheme apart from none at all.
    return { kind: 'forward', error: inStyle(error, errors, lowerCased(req).headers.authorization) };
  };

  const guard = async (req: RequestLike, context?: GuardContext): Promise<GuardDecision<U, C>> => {
    // Passing a preflight on would run every handler after the guard that answers OPTIONS, with no user.
    if (isPreflight(req)) return preflight === 'answer' ? PREFLIGHT : ANONYMOUS;
    if (skip !== undefined && skip(req.method, context?.routedPath ?? req.url)) return ANONYMOUS;
    let authenticated: Authenticated<U, C> | null = null;
    let renewed: StartedSession | undefined;
    try {
      authenticated = await auth.authenticate(req, context);
      if (authenticated === null) {
        if (mode === 'required') {
          const missing = new AuthError('ERR_TOKEN_MISSING', { realm: auth.realm });
          return refuse(reportRefusal(report, missing, req, context) as AuthError, req);
        }
        return ANONYMOUS;
      }
      if (checksAccess) await checkAccess(authenticated.claims, access);
      renewed = await auth.renew(authenticated, context);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      // authenticate reported its own refusals; the access check and the renewal are ours to report.
      const error = withRealm(
        authenticated === null
          ? err
          : reportRefusal(report, refusedSubject(err, authenticated.claims), req, context),
        auth.realm,
      ) as AuthError;
      if (refuseInvalid || error.status === 503) return refuse(error, req);
      return { kind: 'anonymous', authError: error };
    }
    return { kind: 'user', authenticated, cookies: renewed?.cookies };
  };
  return Object.assign(guard, { property });
}

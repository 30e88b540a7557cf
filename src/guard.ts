import { checkAccess, type AccessRules } from './access.js';
import { createAuth, type Auth, type Authenticated, type StartedSession } from './auth.js';
import type { Claims } from './claims.js';
import type { SecureHint } from './cookie.js';
import { AuthError, isAuthError, toHttpError, withRealm, type HttpError } from './errors.js';
import { checkKnownKeys } from './known-keys.js';
import type { AuthOptions } from './options.js';
import type { RequestLike } from './request.js';

/** The second argument of `requireAuth` / `optionalAuth`. */
export interface GuardOptions<C extends Claims = Claims> extends AccessRules<C> {
  /** `'respond'` answers a refusal itself; `'forward'` hands the AuthError to the app's error handler. @default 'respond' */
  readonly errors?: 'respond' | 'forward';
}

/** What a guard decided for one request; adapters only write it out. */
export type GuardDecision<U, C extends Claims> =
  | { readonly kind: 'user'; readonly authenticated: Authenticated<U, C>; readonly cookies: readonly string[] | undefined }
  | { readonly kind: 'anonymous'; readonly authError: AuthError | undefined }
  | { readonly kind: 'respond'; readonly error: AuthError; readonly http: HttpError }
  | { readonly kind: 'forward'; readonly error: AuthError };

/** `hint` says whether the request came over HTTPS, for the `Secure` flag of a renewed cookie. */
export type Guard<U, C extends Claims> = (req: RequestLike, hint?: SecureHint) => Promise<GuardDecision<U, C>>;

/** Takes an `Auth`, or options to build one, so `requireAuth({ key })` works as a one-liner. */
export function toAuth<U, C extends Claims>(authOrOptions: Auth<U, C> | AuthOptions<U, C>): Auth<U, C> {
  const candidate = authOrOptions as Partial<Auth<U, C>> | null;
  if (typeof candidate === 'object' && candidate !== null && typeof candidate.authenticate === 'function') {
    return authOrOptions as Auth<U, C>;
  }
  return createAuth(authOrOptions as AuthOptions<U, C>);
}

function nonEmptyList(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new TypeError(`jwt-gate: "${option}" must be a non-empty array of strings`);
  }
  return Object.freeze([...value]);
}

function resolveGuardOptions<C extends Claims>(options: GuardOptions<C>): Required<Pick<GuardOptions<C>, 'errors'>> & AccessRules<C> {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: guard options must be an object');
  checkKnownKeys(options, ['roles', 'scopes', 'check', 'errors'], 'requireAuth');
  const errors = options.errors ?? 'respond';
  if (errors !== 'respond' && errors !== 'forward') throw new TypeError('jwt-gate: "errors" must be "respond" or "forward"');
  if (options.check !== undefined && typeof options.check !== 'function') throw new TypeError('jwt-gate: "check" must be a function');
  const roles = nonEmptyList(options.roles, 'roles');
  const scopes = nonEmptyList(options.scopes, 'scopes');
  return Object.freeze({
    errors,
    ...(roles ? { roles } : {}),
    ...(scopes ? { scopes } : {}),
    ...(options.check ? { check: options.check } : {}),
  });
}

/**
 * The framework-neutral half of `requireAuth` (`required`) and `optionalAuth`. An outage (503) and
 * any error that is not an AuthError are never turned into an anonymous request or a 401.
 */
export function createGuard<U, C extends Claims>(auth: Auth<U, C>, options: GuardOptions<C>, required: boolean): Guard<U, C> {
  const rules = resolveGuardOptions(options);
  const hasRules = rules.roles !== undefined || rules.scopes !== undefined || rules.check !== undefined;
  const refuse = (error: AuthError): GuardDecision<U, C> =>
    rules.errors === 'forward' ? { kind: 'forward', error } : { kind: 'respond', error, http: toHttpError(error, auth.realm) };

  return async (req, hint) => {
    let authenticated: Authenticated<U, C> | null;
    let renewed: StartedSession | undefined;
    try {
      authenticated = await auth.authenticate(req);
      if (authenticated === null) {
        if (required) return refuse(new AuthError('ERR_TOKEN_MISSING', { realm: auth.realm }));
        return { kind: 'anonymous', authError: undefined };
      }
      if (hasRules) await checkAccess(authenticated.claims, rules);
      renewed = await auth.renew(authenticated, hint);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      const error = withRealm(err, auth.realm) as AuthError;
      if (required || error.status === 503) return refuse(error);
      return { kind: 'anonymous', authError: error };
    }
    return { kind: 'user', authenticated, cookies: renewed?.cookies };
  };
}

import type { Auth } from '../auth.js';
import type { Authenticated } from '../authentication/authenticate.js';
import type { RequestLike } from '../authentication/request.js';
import type { SecureHint } from '../cookies/cookie.js';
import { AuthError } from '../errors.js';
import type { Claims } from '../jws/claims.js';
import type { EndedLogin } from '../session/end-login.js';
import type { Login } from '../session/logins.js';
import { sessionOf } from './request-session.js';

// The user a guard of `auth` found: a TypeError when none ran (the app's mistake, seen at once), an
// AuthError (401) when it let the request go on anonymously (a visitor's, not the app's).
function guardedSession<U, C extends Claims>(
  req: object,
  auth: Auth<U, C>,
  feature: string,
): Authenticated<U, C> {
  const session = sessionOf<U, C>(req, auth);
  if (session === undefined)
    throw new TypeError(
      `jwt-gate: ${feature}: neither requireAuth nor optionalAuth of this auth ran on this request`,
    );
  if (session === null) throw new AuthError('ERR_TOKEN_MISSING', { realm: auth.realm });
  return session;
}

/** The live logins of the user a guard of `auth` found on `req`, newest first, the request's own marked `current`. */
export function requestLogins<U, C extends Claims>(req: object, auth: Auth<U, C>): Promise<Login[]> {
  try {
    const session = guardedSession(req, auth, 'loginsOf');
    const { sub } = session.claims;
    // A token without a subject has no logins to list: only its own, which sign-out ends.
    if (typeof sub !== 'string' || sub === '') return Promise.resolve([]);
    return auth.logins(sub, { session });
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Ends the login `sid` of the user a guard of `auth` found on `req`: `auth.endLoginOf` with that session. */
export function endRequestLogin<U, C extends Claims>(
  req: RequestLike,
  auth: Auth<U, C>,
  sid: unknown,
  hint: SecureHint,
): EndedLogin {
  let session: Authenticated<U, C>;
  try {
    session = guardedSession(req, auth, 'endLogin');
  } catch (err) {
    const ended = Promise.reject(err);
    ended.catch(() => undefined);
    return { cookies: [], ended };
  }
  return auth.endLoginOf(req, sid, { ...hint, session });
}

/** The sid a request names: its route's `sid` parameter, else the `sid` field of its parsed body. */
export function requestedSid(params: unknown, body: unknown): unknown {
  const own = (holder: unknown): unknown =>
    typeof holder === 'object' && holder !== null && Object.hasOwn(holder, 'sid')
      ? (holder as { sid: unknown }).sid
      : undefined;
  return own(params) ?? own(body);
}

import type { Authenticated } from '../authentication/authenticate.js';
import { checkCsrf, isCrossSite } from '../authentication/csrf.js';
import type { RequestLike } from '../authentication/request.js';
import type { SecureHint } from '../cookies/cookie.js';
import { AuthError, isAuthError } from '../errors.js';
import { reportRefusal } from '../events.js';
import { subjectOf } from '../jws/claims.js';
import { isOwnToken } from '../token/trust.js';
import { endLogin, endLoginById } from './logins.js';
import type { SessionSettings } from './settings.js';
import { carriesSessionCookie, clearingCookies } from './sign-out.js';

/** What `auth.endLoginOf` takes besides the request and the sid. */
export interface EndLoginOptions extends SecureHint {
  /** The request's session, as its guard found it (`authOf(req, auth)`): whose login may be ended. */
  readonly session: Authenticated<unknown>;
}

/** One login ended from a request of its user: the `Set-Cookie` values, ready at once, and the ending. */
export interface EndedLogin {
  /** Values that clear this browser's session when the login ended is the request's own; else none. */
  readonly cookies: readonly string[];
  /**
   * True once a live login of the request's user is ended; false when the user has no live login of
   * that sid (ended already, expired, someone else's, or no sid). Rejects with `ERR_CSRF` (403) for a
   * cross-site request, or `ERR_STORE_UNAVAILABLE` (503).
   */
  readonly ended: Promise<boolean>;
}

function refused(o: SessionSettings, req: RequestLike, err: unknown): EndedLogin {
  const ended = Promise.reject(
    isAuthError(err) ? reportRefusal(o.refused, new AuthError(err.code, { realm: o.realm }), req) : err,
  );
  ended.catch(() => undefined);
  return { cookies: [], ended };
}

/**
 * Ends the login `sid` of the request's user ("Your sessions"), under sign-out's cross-site rules: a
 * request from another site that carries the session cookies ends nothing, whatever its method, and a
 * cookie session's unsafe request must pass the CSRF checks (the double-submit header included).
 */
export function endLoginOf(
  o: SessionSettings,
  req: RequestLike,
  sid: unknown,
  options: EndLoginOptions,
): EndedLogin {
  const { claims, source } = options.session;
  try {
    if (o.csrf !== undefined && isCrossSite(req, o.csrf) && carriesSessionCookie(o, req))
      throw new AuthError('ERR_CSRF');
    if (source === 'cookie') checkCsrf(req, claims, o.csrf);
  } catch (err) {
    return refused(o, req, err);
  }
  // Another issuer's user "42" is not the app's user "42": it has no logins here to end.
  if (!isOwnToken(o, claims)) return { cookies: [], ended: Promise.resolve(false) };
  const sub = subjectOf(claims);
  // The request's own login needs no record to be the user's: its verified token says so.
  const own = typeof claims.sid === 'string' && claims.sid === sid;
  const cookies = own && o.cookie !== undefined ? clearingCookies(o, options) : [];
  let ending: Promise<boolean>;
  if (own && o.store !== undefined)
    ending = endLoginById(o, o.store, sub, sid).then(() => {
      o.emit?.({ type: 'signed-out', sub, everywhere: false });
      return true;
    });
  else if (sub === undefined || sub === '' || own) ending = Promise.resolve(false);
  else ending = endLogin(o, sub, sid);
  const ended = ending.catch((err: unknown) => {
    throw isAuthError(err)
      ? new AuthError(err.code, { realm: o.realm, cause: err.cause, setCookie: cookies })
      : err;
  });
  // Marked as handled, as a sign-out is: awaiting it still rejects.
  ended.catch(() => undefined);
  return { cookies, ended };
}

import type { Authenticated } from '../authentication/authenticate.js';
import type { Claims } from '../jws/claims.js';

// What each guard decided for a request, kept beside the request rather than on it: no property of
// ours can collide with another library's, and the entry goes with the request.
interface Entry {
  readonly auth: object;
  readonly session: Authenticated<unknown> | null;
  readonly next: Entry | undefined;
}
const byRequest = new WeakMap<object, Entry>();

/** Records what the guard of `auth` found on `req`: a session, or `null` for an anonymous request. */
export function rememberSession<U, C extends Claims>(
  req: object,
  auth: object,
  session: Authenticated<U, C> | null,
): void {
  byRequest.set(req, { auth, session: session, next: byRequest.get(req) });
}

/** The session the guard of `auth` found on `req`, `null` when it let the request go on anonymously, `undefined` when it did not run. */
export function sessionOf<U, C extends Claims>(
  req: object,
  auth: object,
): Authenticated<U, C> | null | undefined {
  for (let entry = byRequest.get(req); entry !== undefined; entry = entry.next) {
    if (entry.auth === auth) return entry.session as Authenticated<U, C> | null;
  }
  return undefined;
}

/**
 * The session of `req` as the guard of `auth` found it, typed by that `Auth`. Throws a TypeError when
 * no guard of `auth` ran on `req`, or when it let `req` go on anonymously and `optional` is not set.
 */
export function authenticatedOf<U, C extends Claims>(
  req: object,
  auth: object,
  optional: boolean,
): Authenticated<U, C> | undefined {
  const session = sessionOf<U, C>(req, auth);
  if (session === undefined)
    throw new TypeError(
      'jwt-gate: authOf: neither requireAuth nor optionalAuth of this auth ran on this request',
    );
  if (session === null && !optional)
    throw new TypeError(
      'jwt-gate: authOf: this request went on without a user; pass { optional: true } behind optionalAuth',
    );
  return session ?? undefined;
}

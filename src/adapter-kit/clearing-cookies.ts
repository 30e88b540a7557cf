import { isAuthError, type AuthError } from '../errors.js';

/**
 * For a framework whose error handler drops every header set before an error and sets only the error's
 * own `headers` (Koa): a sign-out that failed with an error of the app's (a throwing `isRevoked`) rejects
 * with a new error carrying this request's clearing cookies, the app's error as its `cause`. Never the
 * app's object itself: one thrown on many requests would carry one request's cookies into the others.
 */
export function keepingClearingCookies(revoked: Promise<void>, cookies: readonly string[]): Promise<void> {
  const kept = revoked.catch((err: unknown) => {
    throw isAuthError(err) || cookies.length === 0 ? err : carryingCookies(err, cookies);
  });
  // Handled as `revoked` is: a sign-out that is not awaited must not take the process down.
  kept.catch(() => undefined);
  return kept;
}

/**
 * For a framework whose error handler keeps the headers set before an error and adds the error's own
 * (Fastify): the `AuthError` of a failed sign-out goes on without its `Set-Cookie`, which the response
 * already has, so each clearing cookie is sent once. Handled as `revoked` is: nobody need await it.
 */
export function clearingCookiesOnce(revoked: Promise<void>): Promise<void> {
  const once = revoked.catch((err: unknown) => {
    if (!isAuthError(err) || err.headers['Set-Cookie'] === undefined) throw err;
    const { 'Set-Cookie': _set, ...headers } = err.headers;
    throw Object.create(err, { headers: { value: headers } }) as AuthError;
  });
  once.catch(() => undefined);
  return once;
}

// Rendered as the app's error asks: its status, and its message only where it chose to expose it.
function carryingCookies(err: unknown, cookies: readonly string[]): Error {
  const { status, statusCode, expose, message } = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  const shown = expose === true && typeof message === 'string';
  return Object.assign(
    new Error(shown ? message : 'jwt-gate: the sign-out failed before the login was revoked', { cause: err }),
    {
      headers: { 'Set-Cookie': [...cookies] },
      ...(typeof status === 'number' ? { status } : {}),
      ...(typeof statusCode === 'number' ? { statusCode } : {}),
      ...(shown ? { expose: true } : {}),
    },
  );
}

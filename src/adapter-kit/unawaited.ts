import type { StartedSession } from '../cookies/session-cookies.js';

const LATE: unique symbol = Symbol('jwt-gate.late');

/** A cookie that came after the response was sent: the app did not await signIn. */
export function lateSignIn(): TypeError {
  const err = new TypeError(
    'jwt-gate: signIn must be awaited before the response is sent: the session cookie came too late',
  );
  Object.defineProperty(err, LATE, { value: true });
  return err;
}

/**
 * `work`, marked as handled: an app that forgets to await it must not lose its process. A sign-in
 * that came too late is still reported, as a process warning, since nobody else would see it.
 */
export function forgettable<T>(work: Promise<T>): Promise<T> {
  work.catch((err: unknown) => {
    if (err instanceof Error && (err as { [LATE]?: true })[LATE] === true) process.emitWarning(err);
  });
  return work;
}

/**
 * The token of a sign-in once `write` has set its cookies; a `lateSignIn` TypeError instead when `sent()`
 * says the response has gone. `forgettable`: a sign-in nobody awaits is still reported.
 */
export function signingIn(
  started: Promise<StartedSession>,
  sent: () => boolean,
  write: (cookies: readonly string[]) => unknown,
): Promise<string> {
  return forgettable(
    started.then(({ token, cookies }) => {
      if (sent()) throw lateSignIn();
      write(cookies);
      return token;
    }),
  );
}

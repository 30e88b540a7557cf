import { isAuthError, toHttpError, type HttpError } from '../errors.js';

/**
 * What a handler answers for `work`: its value once it resolves, or the refusal a guard would write
 * (`status`, `headers`, `body`, with `realm` in the challenge) when it rejects with an `AuthError`. Any
 * other error (a store's bug, the app's) rejects, for the framework's error handling. The value has no
 * `status`, so `'status' in answer` tells the two apart.
 */
export function answerOf<T extends object & { readonly status?: never }>(
  work: Promise<T>,
  realm: string,
): Promise<T | HttpError> {
  return work.catch((err: unknown) => {
    if (!isAuthError(err)) throw err;
    return toHttpError(err, realm);
  });
}

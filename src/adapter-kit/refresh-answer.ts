import type { Auth } from '../auth.js';
import type { RequestContext, RequestLike } from '../authentication/request.js';
import type { SecureHint } from '../cookies/cookie.js';
import type { HttpError } from '../errors.js';
import type { Claims } from '../jws/claims.js';
import { answerOf } from './answer.js';

/**
 * What a refresh endpoint answers: the new session's `cookies` (for a 204), or the refusal to write
 * (`status`, `headers`, `body`). An error that is no `AuthError` (a store's bug) rejects, for the
 * framework's error handling.
 */
export function refreshAnswer<U, C extends Claims>(
  auth: Auth<U, C>,
  req: RequestLike,
  context: SecureHint & RequestContext,
): Promise<{ readonly cookies: readonly string[] } | HttpError> {
  return answerOf(
    auth.refresh(req, context).then(({ cookies }) => ({ cookies })),
    auth.realm,
  );
}

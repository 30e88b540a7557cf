// "Your sessions" on Express: a user's logins listed, and one ended, for the user a guard found.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { endRequestLogin, requestedSid, requestLogins } from '../src/adapter-kit/index.js';
import { isAuthError, toHttpError } from '../src/index.js';
import type { Auth, Claims, Login } from '../src/index.js';
import { expressOnly, respond, whenOpen } from './express-response.js';

/**
 * The live logins of `req`'s user ("Your sessions"), newest first, its own marked `current`, for a page
 * behind `requireAuth(auth)`. Rejects with `ERR_TOKEN_MISSING` for an anonymous request (`optionalAuth`).
 */
export function loginsOf<U, C extends Claims>(req: Request, auth: Auth<U, C>): Promise<Login[]> {
  return requestLogins(req, auth);
}

/**
 * Ends the login `sid` (from a form) of `res.req`'s user with sign-out's cross-site rules, clearing the
 * session cookies when it is the request's own: true when it did; false, changing nothing, for any other
 * value (another user's sid among them).
 */
export function endLogin<U, C extends Claims>(
  res: Response,
  auth: Auth<U, C>,
  sid: unknown,
): Promise<boolean> {
  const { cookies, ended } = endRequestLogin(res.req, auth, sid, { secure: res.req.secure });
  if (cookies.length > 0) res.append('Set-Cookie', [...cookies]);
  return ended;
}

// The JSON of `work`, never cached, or the refusal a guard would answer; other errors go to next(err).
function answerJson(work: Promise<object>, res: Response, next: NextFunction, realm: string): void {
  const outcome = work.then(
    (body) => ({ body }),
    (err: unknown) => {
      if (!isAuthError(err)) throw err;
      return { refused: toHttpError(err, realm) };
    },
  );
  whenOpen(outcome, res, next, (answer) => {
    if ('refused' in answer) respond(res, answer.refused);
    else res.set('Cache-Control', 'no-store').json(answer.body);
  });
}

/** Answers `{ logins }` (see `loginsOf`); mount it behind `requireAuth(auth)`. */
export function loginsHandler<U, C extends Claims>(auth: Auth<U, C>): RequestHandler {
  return expressOnly('loginsHandler', (req, res, next) => {
    answerJson(
      loginsOf(req, auth).then((logins) => ({ logins })),
      res,
      next,
      auth.realm,
    );
  });
}

/**
 * Ends the login of the route's `:sid`, else of the parsed body's `sid` (`express.urlencoded()` or
 * `express.json()` before it), and answers `{ ended }` (see `endLogin`). Behind `requireAuth(auth)`.
 */
export function endLoginHandler<U, C extends Claims>(auth: Auth<U, C>): RequestHandler {
  return expressOnly('endLoginHandler', (req, res, next) => {
    const sid = requestedSid(req.params, req.body as unknown);
    answerJson(
      endLogin(res, auth, sid).then((ended) => ({ ended })),
      res,
      next,
      auth.realm,
    );
  });
}

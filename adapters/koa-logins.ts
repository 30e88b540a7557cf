// "Your sessions" on Koa: a user's logins listed, and one ended, for the user a guard found.
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { endRequestLogin, requestedSid, requestLogins } from '../src/adapter-kit/index.js';
import { isAuthError, toHttpError } from '../src/index.js';
import type { Auth, Claims, Login } from '../src/index.js';
import { calledRight, type CookieContext } from './koa-context.js';

/**
 * The live logins of `ctx`'s user ("Your sessions"), newest first, its own marked `current`, for a page
 * behind `requireAuth(auth)`. Rejects with `ERR_TOKEN_MISSING` for an anonymous request (`optionalAuth`).
 */
export function loginsOf<U, C extends Claims>(
  ctx: { readonly req: IncomingMessage },
  auth: Auth<U, C>,
): Promise<Login[]> {
  return requestLogins(ctx.req, auth);
}

/**
 * Ends the login `sid` (from a form) of `ctx`'s user with sign-out's cross-site rules, clearing the
 * session cookies when it is the request's own: true when it did; false, changing nothing, for any other
 * value (another user's sid among them).
 */
export function endLogin<U, C extends Claims>(
  ctx: CookieContext,
  auth: Auth<U, C>,
  sid: unknown,
): Promise<boolean> {
  const { cookies, ended } = endRequestLogin(ctx.req, auth, sid, { secure: ctx.secure });
  if (cookies.length > 0) ctx.append('Set-Cookie', [...cookies]);
  return ended;
}

// The JSON of `work`, never cached, or the refusal a guard would answer; other errors are thrown.
async function answerJson(ctx: Context, work: Promise<object>, realm: string): Promise<void> {
  try {
    ctx.body = await work;
    ctx.set('Cache-Control', 'no-store');
  } catch (err) {
    if (!isAuthError(err)) throw err;
    const { status, headers, body } = toHttpError(err, realm);
    ctx.status = status;
    ctx.set(headers);
    ctx.body = body;
  }
}

/** Answers `{ logins }` (see `loginsOf`); mount it behind `requireAuth(auth)`. */
export function loginsHandler<U, C extends Claims>(auth: Auth<U, C>): Middleware {
  return async (ctx, next, expressNext?: unknown) => {
    if (!calledRight('loginsHandler', ctx, next, expressNext)) return;
    await answerJson(
      ctx,
      loginsOf(ctx, auth).then((logins) => ({ logins })),
      auth.realm,
    );
  };
}

/**
 * Ends the login of the route's `:sid` (`ctx.params`), else of the parsed body's `sid`
 * (`ctx.request.body`), and answers `{ ended }` (see `endLogin`). Behind `requireAuth(auth)`.
 */
export function endLoginHandler<U, C extends Claims>(auth: Auth<U, C>): Middleware {
  return async (ctx, next, expressNext?: unknown) => {
    if (!calledRight('endLoginHandler', ctx, next, expressNext)) return;
    const sid = requestedSid((ctx as { params?: unknown }).params, (ctx.request as { body?: unknown }).body);
    await answerJson(
      ctx,
      endLogin(ctx, auth, sid).then((ended) => ({ ended })),
      auth.realm,
    );
  };
}

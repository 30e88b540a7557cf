// An adapter used by another framework, in JavaScript where no type stops it: Express calls middleware
// as (req, res, next), Koa as (ctx, next), Fastify hooks as (request, reply, done) and handlers as
// (request, reply). Each adapter checks that it was called as its framework calls, and says which adapter
// to import instead, on that request: never a crash, never an unhandled rejection.

/** A framework jwt-gate has an adapter for. */
export type Framework = 'express' | 'koa' | 'fastify';

const NAMES: Readonly<Record<Framework, string>> = { express: 'Express', koa: 'Koa', fastify: 'Fastify' };
const IN_AN_APP: Readonly<Record<Framework, string>> = {
  express: 'an Express app',
  koa: 'a Koa app',
  fastify: 'a Fastify app',
};
const CALLS: Readonly<Record<Framework, string>> = {
  express: '(req, res, next)',
  koa: '(ctx, next)',
  fastify: '(request, reply)',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Which framework's request, response or context `value` is, as far as its shape tells. */
export function frameworkOf(value: unknown): Framework | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  // Koa's context wraps request and response and keeps the app (an object); Express hangs its app
  // (a function) on both req and res, each beside the other.
  if (typeof v.request === 'object' && typeof v.response === 'object' && typeof v.state === 'object')
    return 'koa';
  if (typeof v.app === 'function' && (typeof v.res === 'object' || typeof v.req === 'object'))
    return 'express';
  // Fastify's request and reply each wrap Node's own (raw) and reach the instance (server).
  if (isObject(v.raw) && isObject(v.server)) return 'fastify';
  return undefined;
}

/**
 * Whether a middleware was called as Express calls it: `(req, res, next)`. Koa passes its `next` where
 * Express passes `res`, and nothing after it; Fastify passes its reply, which wraps Node's response (`raw`).
 */
export const calledByExpress = (res: unknown, next: unknown): boolean =>
  typeof next === 'function' && isObject(res) && res.raw === undefined;

/**
 * Whether a middleware was called as Koa calls it: `(ctx, next)`, `ctx` holding Node's request. Express
 * passes its response where Koa passes `next`, and its request has no `req`.
 */
export const calledByKoa = (ctx: unknown, next: unknown): boolean =>
  typeof next === 'function' &&
  typeof ctx === 'object' &&
  ctx !== null &&
  typeof (ctx as { req?: unknown }).req === 'object';

/**
 * Whether a hook or handler was called as Fastify calls it: `(request, reply)`, each wrapping Node's own
 * (`raw`). Express passes Node's request and response themselves, Koa its context and `next`.
 */
export const calledByFastify = (request: unknown, reply: unknown): boolean =>
  isObject(request) && isObject(request.raw) && isObject(reply) && isObject(reply.raw);

/** The TypeError for `api` of jwt-gate/`adapter` used in a `found` app, or called some other way. */
export function wrongFramework(adapter: Framework, api: string, found: Framework | undefined): TypeError {
  if (found !== undefined && found !== adapter)
    return new TypeError(
      `jwt-gate/${adapter}: ${api} is for ${NAMES[adapter]} and was used in ${IN_AN_APP[found]}: import it from jwt-gate/${found}`,
    );
  return new TypeError(
    `jwt-gate/${adapter}: ${api} must be called as ${NAMES[adapter]} calls it, ${CALLS[adapter]}`,
  );
}

/**
 * For `api` of jwt-gate/`adapter` called by another framework: its `next` (Express's next, Fastify's done)
 * is given the TypeError naming the adapter to import, for a 500 on that request; with no `next` (Koa, which
 * answers 500 itself), it is thrown. `given` is the first argument, whose shape names the framework.
 */
export function wrongCall(adapter: Framework, api: string, given: unknown, next: unknown): true {
  const error = wrongFramework(adapter, api, frameworkOf(given));
  if (typeof next !== 'function') throw error;
  (next as (err: unknown) => void)(error);
  return true;
}

/**
 * Makes `app.use(handler)` of Koa throw at once for an Express handler: Koa reads `_name` there (for its
 * debug log), Express never does. Not enumerable, so nothing that copies or prints the handler meets it.
 */
export function refusedByKoa<T extends object>(handler: T, api: string): T {
  return Object.defineProperty(handler, '_name', {
    get(): never {
      throw wrongFramework('express', api, 'koa');
    },
    enumerable: false,
  });
}

/**
 * Throws the TypeError for `api` of jwt-gate/`adapter` (e.g. `'signIn(res, ...)'`) unless `given` is what
 * its sign-in and sign-out write cookies to: an object holding Node's request (`req`) and an `append` for
 * headers, of no other framework's shape (Express's response and Koa's context both have these).
 */
export function checkCookieTarget(adapter: Framework, api: string, given: unknown): void {
  const found = frameworkOf(given);
  const target = given as { req?: unknown; append?: unknown } | null;
  const other = found !== undefined && found !== adapter;
  if (other || typeof target?.req !== 'object' || typeof target.append !== 'function')
    throw wrongFramework(adapter, api, found);
}

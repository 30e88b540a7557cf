// An adapter used by the other framework, in JavaScript where no type stops it: Express calls middleware
// as (req, res, next), Koa as (ctx, next). Each adapter checks that it was called as its framework calls,
// and says which adapter to import instead, on that request: never a crash, never an unhandled rejection.

/** A framework jwt-gate has an adapter for. */
export type Framework = 'express' | 'koa';

const NAMES: Readonly<Record<Framework, string>> = { express: 'Express', koa: 'Koa' };
const IN_AN_APP: Readonly<Record<Framework, string>> = { express: 'an Express app', koa: 'a Koa app' };

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
  return undefined;
}

/**
 * Whether a middleware was called as Express calls it: `(req, res, next)`. Koa passes its `next` where
 * Express passes `res`, and nothing after it.
 */
export const calledByExpress = (res: unknown, next: unknown): boolean =>
  typeof next === 'function' && typeof res === 'object' && res !== null;

/**
 * Whether a middleware was called as Koa calls it: `(ctx, next)`, `ctx` holding Node's request. Express
 * passes its response where Koa passes `next`, and its request has no `req`.
 */
export const calledByKoa = (ctx: unknown, next: unknown): boolean =>
  typeof next === 'function' &&
  typeof ctx === 'object' &&
  ctx !== null &&
  typeof (ctx as { req?: unknown }).req === 'object';

/** The TypeError for `api` of jwt-gate/`adapter` used in a `found` app, or called some other way. */
export function wrongFramework(adapter: Framework, api: string, found: Framework | undefined): TypeError {
  if (found !== undefined && found !== adapter)
    return new TypeError(
      `jwt-gate/${adapter}: ${api} is for ${NAMES[adapter]} and was used in ${IN_AN_APP[found]}: import it from jwt-gate/${found}`,
    );
  const how =
    adapter === 'express' ? 'as Express calls it, (req, res, next)' : 'as Koa calls it, (ctx, next)';
  return new TypeError(`jwt-gate/${adapter}: ${api} must be called ${how}`);
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

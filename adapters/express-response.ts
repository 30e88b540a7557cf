// How the Express adapter answers: JSON refusals, the check that Express called a handler, and writing an
// outcome only while the response is open.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { calledByExpress, frameworkOf, refusedByKoa, wrongFramework } from '../src/adapter-kit/index.js';
import type { HttpError } from '../src/index.js';

export function respond(res: Response, { status, headers, body }: HttpError): void {
  res.status(status).set(headers).json(body);
}

/**
 * `handler` as Express must call it. Used by Koa (or anything else), it throws on the request, a
 * TypeError naming the adapter to import, which Koa answers 500; mounted with Koa's `app.use`, at once.
 */
export function expressOnly(api: string, handler: RequestHandler): RequestHandler {
  const checked: RequestHandler = (req, res, next) => {
    if (!calledByExpress(res, next)) throw wrongFramework('express', api, frameworkOf(req));
    handler(req, res, next);
  };
  return refusedByKoa(checked, api);
}

// The route pattern that matched, once Express routed the request (a guard mounted on the route).
export function routeOf(req: Request): string | undefined {
  const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? path : undefined;
}

/**
 * Writes the outcome of `work` unless the response is already gone (a timeout middleware answered
 * while a key set or store was slow). Then nothing is written and next() is not called: the request
 * has been answered, and Express's final handler would destroy the socket. Express 4 ignores a
 * rejected promise and Node exits on an unhandled one, so every error, a throw in `write` included,
 * goes to next(err). next() runs after `work` settled: a downstream error is never an auth failure.
 */
export function whenOpen<T>(
  work: Promise<T>,
  res: Response,
  next: NextFunction,
  write: (value: T) => void,
): void {
  work
    .then((value) => {
      if (!res.headersSent) write(value);
    })
    .catch((err: unknown) => {
      if (!res.headersSent) next(err);
    });
}

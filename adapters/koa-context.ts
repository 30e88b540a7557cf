// What the Koa adapter checks of how it was called, and the part of a context that sessions write to.
import type { IncomingMessage } from 'node:http';
import { calledByKoa, frameworkOf, wrongFramework } from '../src/adapter-kit/index.js';

/**
 * Whether a middleware was called as Koa calls it. Express calls it `(req, res, next)`: its `next` then
 * gets the TypeError naming the adapter to import (a 500), where a rejected promise would go unhandled
 * on Express 4 and end the process.
 */
export function calledRight(api: string, ctx: unknown, next: unknown, expressNext: unknown): boolean {
  if (calledByKoa(ctx, next)) return true;
  const error = wrongFramework('koa', api, frameworkOf(ctx));
  if (typeof expressNext !== 'function') throw error;
  (expressNext as (err: unknown) => void)(error);
  return false;
}

// signIn and signOut write to Koa's context: Express's res has no ctx.originalUrl, ctx.secure or headerSent.
export function checkContext(api: string, ctx: CookieContext): void {
  const given = ctx as unknown as { req?: unknown; append?: unknown } | null;
  const found = frameworkOf(given);
  if (found === 'express' || typeof given?.req !== 'object' || typeof given.append !== 'function')
    throw wrongFramework('koa', `${api}(ctx, ...)`, found);
}

/** The part of a Koa context that signing in and out uses. */
export interface CookieContext {
  readonly secure: boolean;
  /** The path the browser asked for, before any router rewrote `ctx.path`. */
  readonly originalUrl: string;
  readonly req: IncomingMessage;
  /** Whether the response has gone: a session cookie set later would be lost. */
  readonly headerSent: boolean;
  append(field: string, value: string[]): void;
}

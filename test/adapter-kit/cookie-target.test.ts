// checkCookieTarget: signIn and signOut of Express and Koa accept only what they write cookies to, and
// name the adapter to import when handed another framework's object.
import { describe, expect, it } from 'vitest';
import { checkCookieTarget } from '../../src/adapter-kit/index.js';
import { caught } from '../helpers.js';

const append = (): void => undefined;
const expressRes = { app: () => undefined, req: {}, append };
const koaCtx = { request: {}, response: {}, state: {}, req: {}, append };
const fastifyReply = { raw: {}, server: {}, request: {} };

describe('checkCookieTarget', () => {
  it('accepts the adapter’s own: Express’s response, Koa’s context, or an unnamed one with req and append', () => {
    expect(checkCookieTarget('express', 'signIn(res, ...)', expressRes)).toBeUndefined();
    expect(checkCookieTarget('koa', 'signIn(ctx, ...)', koaCtx)).toBeUndefined();
    expect(checkCookieTarget('koa', 'signOut(ctx, ...)', { req: {}, append })).toBeUndefined();
  });

  it.each([
    [
      'express',
      'signIn(res, ...)',
      koaCtx,
      'is for Express and was used in a Koa app: import it from jwt-gate/koa',
    ],
    [
      'koa',
      'signOut(ctx, ...)',
      expressRes,
      'is for Koa and was used in an Express app: import it from jwt-gate/express',
    ],
    [
      'koa',
      'signIn(ctx, ...)',
      fastifyReply,
      'is for Koa and was used in a Fastify app: import it from jwt-gate/fastify',
    ],
  ] as const)('%s %s given another framework’s object names it', (adapter, api, given, tail) => {
    const err = caught(() => checkCookieTarget(adapter, api, given));
    expect([err.name, err.message]).toEqual(['TypeError', `jwt-gate/${adapter}: ${api} ${tail}`]);
  });

  it.each([null, undefined, 'res', {}, { req: {} }, { append }, { req: 'x', append }])(
    'refuses %j, which no framework passes, saying how it is called',
    (given) => {
      const err = caught(() => checkCookieTarget('express', 'signOut(res, ...)', given));
      expect([err.name, err.message]).toEqual([
        'TypeError',
        'jwt-gate/express: signOut(res, ...) must be called as Express calls it, (req, res, next)',
      ]);
    },
  );
});

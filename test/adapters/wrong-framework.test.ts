// An adapter used by the other framework, as JavaScript lets one: the Express guard in a Koa app, the Koa
// guard in an Express app. Each request gets a clear error, and the process never sees an unhandled
// rejection; where the framework lets us see the mistake at mount time (Koa's app.use), it throws there.
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import { createAuth, hs256 } from '../../src/index.js';
import { SECRET } from '../helpers.js';

const auth = createAuth({ key: hs256(SECRET) });
const escaped: unknown[] = [];
const collect = (reason: unknown): void => void escaped.push(reason);
beforeEach(() => {
  escaped.length = 0;
  process.on('unhandledRejection', collect);
});
afterEach(() => {
  process.off('unhandledRejection', collect);
});
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

// What the JavaScript app does; TypeScript would refuse each of these.
const loose = <T>(value: unknown): T => value as T;

const expressHandlers = {
  requireAuth: () => forExpress.requireAuth(auth),
  optionalAuth: () => forExpress.optionalAuth(auth),
  jwksHandler: () => forExpress.jwksHandler(auth),
  refreshHandler: () => forExpress.refreshHandler(auth),
  withUser: () => forExpress.withUser(auth, (_req, res) => void res.end()),
};
const koaMiddleware = {
  requireAuth: () => forKoa.requireAuth(auth),
  optionalAuth: () => forKoa.optionalAuth(auth),
  jwksHandler: () => forKoa.jwksHandler(auth),
  refreshHandler: () => forKoa.refreshHandler(auth),
  withUser: () => forKoa.withUser(auth, (ctx) => void (ctx.body = 'ok')),
};

describe.each([
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const)('jwt-gate/express in a %s app', (_name, Koa) => {
  it.each(Object.entries(expressHandlers))('%s: app.use throws at once, naming jwt-gate/koa', (api, make) => {
    const app = new Koa();
    expect(() => app.use(loose<Koa3.Middleware>(make()))).toThrow(
      new TypeError(
        `jwt-gate/express: ${api} is for Express and was used in a Koa app: import it from jwt-gate/koa`,
      ),
    );
  });

  it.each(Object.entries(expressHandlers))(
    '%s called by Koa on a request (mounted some other way): a 500 for that request, no crash',
    async (api, make) => {
      const app = new Koa();
      const errors: Error[] = [];
      app.on('error', (err: Error) => void errors.push(err));
      const handler = loose<(ctx: unknown, next: unknown) => unknown>(make());
      app.use((ctx, next) => handler(ctx, next) as Promise<void>);
      for (let i = 0; i < 2; i++) expect((await request(app.callback()).get('/')).status).toBe(500);
      await settle();
      expect(escaped).toEqual([]);
      expect(errors.map((e) => e.message)).toEqual([
        `jwt-gate/express: ${api} is for Express and was used in a Koa app: import it from jwt-gate/koa`,
        `jwt-gate/express: ${api} is for Express and was used in a Koa app: import it from jwt-gate/koa`,
      ]);
    },
  );
});

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
] as const)('jwt-gate/koa in an %s app', (_name, express) => {
  it.each(Object.entries(koaMiddleware))(
    '%s: a 500 naming jwt-gate/express on each request, no crash',
    async (api, make) => {
      const app = express();
      app.set('env', 'test');
      const seen: string[] = [];
      app.use(loose<express5.RequestHandler>(make()));
      app.use((err: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
        seen.push(err.message);
        res.status(500).end();
      });
      for (let i = 0; i < 2; i++) expect((await request(app).get('/')).status).toBe(500);
      await settle();
      expect(escaped).toEqual([]);
      const message = `jwt-gate/koa: ${api} is for Koa and was used in an Express app: import it from jwt-gate/express`;
      expect(seen).toEqual([message, message]);
    },
  );
});

describe('signIn and signOut given the other framework’s object: a TypeError at the call', () => {
  it('jwt-gate/express given a Koa context', async () => {
    const app = new Koa3();
    const seen: string[] = [];
    app.use(async (ctx) => {
      for (const call of [
        () => forExpress.signIn(loose(ctx), auth, { sub: 'u' }),
        () => forExpress.signOut(loose(ctx), auth),
      ])
        try {
          await call();
        } catch (err) {
          seen.push((err as Error).message);
        }
      ctx.status = 204;
    });
    expect((await request(app.callback()).get('/')).status).toBe(204);
    expect(seen).toEqual([
      'jwt-gate/express: signIn(res, ...) is for Express and was used in a Koa app: import it from jwt-gate/koa',
      'jwt-gate/express: signOut(res, ...) is for Express and was used in a Koa app: import it from jwt-gate/koa',
    ]);
  });

  it('jwt-gate/koa given an Express response', async () => {
    const app = express5();
    const seen: string[] = [];
    app.get('/', async (_req, res) => {
      for (const call of [
        () => forKoa.signIn(loose(res), auth, { sub: 'u' }),
        () => forKoa.signOut(loose(res), auth),
      ])
        try {
          await call();
        } catch (err) {
          seen.push((err as Error).message);
        }
      res.sendStatus(204);
    });
    expect((await request(app).get('/')).status).toBe(204);
    expect(seen).toEqual([
      'jwt-gate/koa: signIn(ctx, ...) is for Koa and was used in an Express app: import it from jwt-gate/express',
      'jwt-gate/koa: signOut(ctx, ...) is for Koa and was used in an Express app: import it from jwt-gate/express',
    ]);
  });
});

describe('called some other way', () => {
  it('says how its framework calls it', () => {
    const expressGuard = loose<(...args: unknown[]) => unknown>(forExpress.requireAuth(auth));
    expect(() => expressGuard({ headers: {} })).toThrow(
      new TypeError('jwt-gate/express: requireAuth must be called as Express calls it, (req, res, next)'),
    );
    const koaHandler = loose<(...args: unknown[]) => unknown>(forKoa.jwksHandler(auth));
    expect(() => koaHandler({ headers: {} }, undefined)).toThrow(
      new TypeError('jwt-gate/koa: jwksHandler must be called as Koa calls it, (ctx, next)'),
    );
  });
});

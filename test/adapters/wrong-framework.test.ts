// An adapter used by another framework, as JavaScript lets one: the Express guard in a Koa or Fastify app,
// the Koa guard in an Express or Fastify app, the Fastify hooks in an Express or Koa app. Each request gets a
// clear error, and the process never sees an unhandled rejection; where the framework lets us see the mistake
// at mount time (Koa's app.use, Fastify's addHook for an async function), it throws there.
import express5 from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance, type RouteHandlerMethod } from 'fastify';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forFastify from '../../adapters/fastify.js';
import * as forKoa from '../../adapters/koa.js';
import { createAuth, hs256 } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { listenerOf } from '../support/fastify.js';

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

const fastifyHandlers = {
  requireAuth: () => forFastify.requireAuth(auth),
  optionalAuth: () => forFastify.optionalAuth(auth),
  jwksHandler: () => forFastify.jwksHandler(auth),
  refreshHandler: () => forFastify.refreshHandler(auth),
  withUser: () => forFastify.withUser(auth, async () => 'ok'),
};
const message = (adapter: string, api: string, found: string, app: string): string =>
  `jwt-gate/${adapter}: ${api} is for ${adapter === 'koa' ? 'Koa' : adapter === 'express' ? 'Express' : 'Fastify'} and was used in ${app}: import it from jwt-gate/${found}`;

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

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
] as const)('jwt-gate/fastify in an %s app', (_name, express) => {
  it.each(Object.entries(fastifyHandlers))(
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
      const expected = message('fastify', api, 'express', 'an Express app');
      expect(seen).toEqual([expected, expected]);
    },
  );
});

describe.each([
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const)('jwt-gate/fastify in a %s app', (_name, Koa) => {
  it.each(Object.entries(fastifyHandlers))(
    '%s: a 500 naming jwt-gate/koa on each request, no crash',
    async (api, make) => {
      const app = new Koa();
      const errors: Error[] = [];
      app.on('error', (err: Error) => void errors.push(err));
      app.use(loose<Koa3.Middleware>(make()));
      for (let i = 0; i < 2; i++) expect((await request(app.callback()).get('/')).status).toBe(500);
      await settle();
      expect(escaped).toEqual([]);
      const expected = message('fastify', api, 'koa', 'a Koa app');
      expect(errors.map((e) => e.message)).toEqual([expected, expected]);
    },
  );
});

describe('jwt-gate/express and jwt-gate/koa in a Fastify app', () => {
  // What ran after the mistake: nothing may, the handler above all.
  function fastifyApp(mount: (app: FastifyInstance, ran: string[]) => void) {
    const app = Fastify();
    const ran: string[] = [];
    const seen: string[] = [];
    app.setErrorHandler((err: Error, _request, reply) => {
      seen.push(err.message);
      return reply.code(500).send();
    });
    mount(app, ran);
    return { handler: listenerOf(app), ran, seen };
  }

  it.each([
    ['express', 'requireAuth', () => forExpress.requireAuth(auth)],
    ['express', 'optionalAuth', () => forExpress.optionalAuth(auth)],
    ['koa', 'requireAuth', () => forKoa.requireAuth(auth)],
    ['koa', 'optionalAuth', () => forKoa.optionalAuth(auth)],
    ['koa', 'withUser', () => forKoa.withUser(auth, (ctx) => void (ctx.body = 'ok'))],
    ['koa', 'jwksHandler', () => forKoa.jwksHandler(auth)],
  ] as const)(
    'jwt-gate/%s %s as a route onRequest hook: a 500 naming jwt-gate/fastify, the handler never runs',
    async (adapter, api, make) => {
      const { handler, ran, seen } = fastifyApp((app, ran) => {
        app.get('/', { onRequest: loose<forFastify.AuthHook>(make()) }, async () => {
          ran.push('handler');
          return 'reached';
        });
      });
      for (let i = 0; i < 2; i++) expect((await request(handler).get('/')).status).toBe(500);
      await settle();
      expect(escaped).toEqual([]);
      expect(ran).toEqual([]);
      const expected = message(adapter, api, 'fastify', 'a Fastify app');
      expect(seen).toEqual([expected, expected]);
    },
  );

  it.each([
    ['express', 'jwksHandler', () => forExpress.jwksHandler(auth)],
    ['express', 'refreshHandler', () => forExpress.refreshHandler(auth)],
    ['express', 'withUser', () => forExpress.withUser(auth, (_req, res) => void res.end())],
    ['koa', 'jwksHandler', () => forKoa.jwksHandler(auth)],
    ['koa', 'refreshHandler', () => forKoa.refreshHandler(auth)],
    ['koa', 'withUser', () => forKoa.withUser(auth, (ctx) => void (ctx.body = 'ok'))],
  ] as const)(
    'jwt-gate/%s %s as a route handler: a 500 naming jwt-gate/fastify',
    async (adapter, api, make) => {
      const { handler, seen } = fastifyApp((app) => {
        app.get('/', loose<RouteHandlerMethod>(make()));
      });
      for (let i = 0; i < 2; i++) expect((await request(handler).get('/')).status).toBe(500);
      await settle();
      expect(escaped).toEqual([]);
      const expected = message(adapter, api, 'fastify', 'a Fastify app');
      expect(seen).toEqual([expected, expected]);
    },
  );

  it('jwt-gate/koa guards added with addHook (or listed): Fastify refuses the async function at once', () => {
    const app = Fastify();
    const guard = loose<forFastify.AuthHook>(forKoa.requireAuth(auth));
    expect(() => app.addHook('onRequest', guard)).toThrow(/Async function has too many arguments/);
    expect(() => app.get('/', { onRequest: [guard] }, async () => 'reached')).toThrow(
      /Async function has too many arguments/,
    );
  });
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

describe('signIn and signOut of jwt-gate/fastify given another framework’s object, and the reverse', () => {
  const calls = (adapter: typeof forExpress | typeof forKoa | typeof forFastify, given: unknown) => [
    () => adapter.signIn(loose(given), auth, { sub: 'u' }),
    () => adapter.signOut(loose(given), auth),
  ];
  const messages = async (attempts: readonly (() => Promise<unknown>)[]): Promise<string[]> => {
    const seen: string[] = [];
    for (const attempt of attempts)
      try {
        await attempt();
        seen.push('no error');
      } catch (err) {
        seen.push((err as Error).message);
      }
    return seen;
  };

  it('jwt-gate/fastify given an Express response or a Koa context', async () => {
    const express = express5();
    let seen: string[] = [];
    express.get('/', async (_req, res) => {
      seen = await messages(calls(forFastify, res));
      res.sendStatus(204);
    });
    expect((await request(express).get('/')).status).toBe(204);
    expect(seen).toEqual([
      message('fastify', 'signIn(reply, ...)', 'express', 'an Express app'),
      message('fastify', 'signOut(reply, ...)', 'express', 'an Express app'),
    ]);
    const koa = new Koa3();
    koa.use(async (ctx) => {
      seen = await messages(calls(forFastify, ctx));
      ctx.status = 204;
    });
    expect((await request(koa.callback()).get('/')).status).toBe(204);
    expect(seen).toEqual([
      message('fastify', 'signIn(reply, ...)', 'koa', 'a Koa app'),
      message('fastify', 'signOut(reply, ...)', 'koa', 'a Koa app'),
    ]);
  });

  it('jwt-gate/express and jwt-gate/koa given a Fastify reply', async () => {
    const app = Fastify();
    let seen: string[] = [];
    app.get('/', async (_request, reply) => {
      seen = await messages([...calls(forExpress, reply), ...calls(forKoa, reply)]);
      return reply.code(204).send();
    });
    expect((await request(listenerOf(app)).get('/')).status).toBe(204);
    expect(seen).toEqual([
      message('express', 'signIn(res, ...)', 'fastify', 'a Fastify app'),
      message('express', 'signOut(res, ...)', 'fastify', 'a Fastify app'),
      message('koa', 'signIn(ctx, ...)', 'fastify', 'a Fastify app'),
      message('koa', 'signOut(ctx, ...)', 'fastify', 'a Fastify app'),
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
    const fastifyHook = loose<(...args: unknown[]) => unknown>(forFastify.requireAuth(auth));
    expect(() => fastifyHook({ headers: {} })).toThrow(
      new TypeError('jwt-gate/fastify: requireAuth must be called as Fastify calls it, (request, reply)'),
    );
  });
});

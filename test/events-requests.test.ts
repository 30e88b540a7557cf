// What a `refused` event says of its request, for logs that must answer "who was refused where": the
// method, the path (never the query), the route, the subject once the signature held, and the app's own
// request id. Never a token, a cookie or a secret.
import express from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as forExpress from '../adapters/express.js';
import * as forFastify from '../adapters/fastify.js';
import * as forKoa from '../adapters/koa.js';
import { createAuth, hs256, type AuthEvent } from '../src/index.js';
import { NOW_MS, OTHER_SECRET, SECRET } from './helpers.js';
import { listenerOf } from './support/fastify.js';

const warnings: Error[] = [];
const warn = (warning: Error): void => void warnings.push(warning);
beforeEach(() => {
  warnings.length = 0;
  process.on('warning', warn);
});
afterEach(() => {
  process.off('warning', warn);
});

const forged = createAuth({ key: hs256(OTHER_SECRET) });

describe('Express', () => {
  const events: AuthEvent[] = [];
  const auth = createAuth({
    key: hs256(SECRET),
    onEvent: (event) => void events.push(event),
    requestId: (req: express.Request) => req.get('x-request-id'),
  });
  const app = express();
  app.set('env', 'test');
  app.use('/api', forExpress.optionalAuth(auth, { invalid: 'refuse' }));
  app.get('/api/orders/:id', forExpress.requireAuth(auth, { roles: ['admin'] }), (_req, res) => {
    res.sendStatus(200);
  });

  it('the method, the path without its query, the route, the subject and the request id', async () => {
    events.length = 0;
    const member = await auth.issue({ sub: 'user-7', role: 'member' });
    const res = await request(app)
      .get(`/api/orders/42?access_token=${member}&q=secret`)
      .set('Authorization', `Bearer ${member}`)
      .set('Cookie', `jwt=${member}; other=cookie-value`)
      .set('X-Request-Id', 'req-abc-123');
    expect(res.status).toBe(403);
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_FORBIDDEN',
        status: 403,
        claim: undefined,
        sub: 'user-7',
        method: 'GET',
        path: '/api/orders/42',
        route: '/api/orders/:id',
        requestId: 'req-abc-123',
      },
    ]);
    const heard = JSON.stringify(events);
    for (const secret of [member.split('.')[2]!, 'access_token', 'q=secret', 'cookie-value', SECRET])
      expect(heard).not.toContain(secret);
  });

  it('a forged token: no subject, and no route yet where a guard before routing refused it', async () => {
    events.length = 0;
    const token = await forged.issue({ sub: 'admin' });
    const res = await request(app).post('/api/orders/42').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_SIGNATURE_INVALID',
        status: 401,
        claim: undefined,
        method: 'POST',
        path: '/api/orders/42',
      },
    ]);
  });
});

describe('Koa', () => {
  const events: AuthEvent[] = [];
  let clock = NOW_MS;
  const auth = createAuth({
    key: hs256(SECRET),
    now: () => clock,
    onEvent: (event) => void events.push(event),
    requestId: (ctx: Koa.Context) =>
      typeof ctx.state.requestId === 'string' ? ctx.state.requestId : undefined,
  });
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.state.requestId = 'koa-req-1';
    await next();
  });
  app.use(forKoa.requireAuth(auth)).use((ctx) => {
    ctx.body = 'ok';
  });

  it('the request id from ctx, the path without its query', async () => {
    events.length = 0;
    const expired = await auth.issue({ sub: 'user-9' }, { expiresIn: 60 });
    clock += 61_000;
    expect(
      (await request(app.callback()).get(`/me?token=${expired}`).set('Cookie', `jwt=${expired}`)).status,
    ).toBe(401);
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_TOKEN_EXPIRED',
        status: 401,
        claim: undefined,
        sub: 'user-9',
        method: 'GET',
        path: '/me',
        requestId: 'koa-req-1',
      },
    ]);
  });
});

describe('Fastify', () => {
  const events: AuthEvent[] = [];
  const auth = createAuth({
    key: hs256(SECRET),
    onEvent: (event) => void events.push(event),
    requestId: (request: FastifyRequest) => request.id,
  });
  // An old path served by the new route: the event says the path the client sent, and the route it reached.
  const app = Fastify({
    genReqId: () => 'fastify-req-1',
    rewriteUrl: (req) => (req.url ?? '/').replace(/^\/v1\//, '/api/'),
  });
  void app.register(forFastify.jwtGate);
  void app.register(
    async (api) => {
      api.addHook('onRequest', forFastify.optionalAuth(auth, { invalid: 'refuse' }));
      api.get(
        '/orders/:id',
        { preHandler: forFastify.requireAuth(auth, { roles: ['admin'] }) },
        async () => 'ok',
      );
    },
    { prefix: '/api' },
  );
  const handler = listenerOf(app);

  it('the method, the path the client sent without its query, the route, the subject and the request id', async () => {
    events.length = 0;
    const member = await auth.issue({ sub: 'user-7', role: 'member' });
    const res = await request(handler)
      .get(`/v1/orders/42?access_token=${member}&q=secret`)
      .set('Authorization', `Bearer ${member}`)
      .set('Cookie', `jwt=${member}; other=cookie-value`);
    expect(res.status).toBe(403);
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_FORBIDDEN',
        status: 403,
        claim: undefined,
        sub: 'user-7',
        method: 'GET',
        path: '/v1/orders/42',
        route: '/api/orders/:id',
        requestId: 'fastify-req-1',
      },
    ]);
    const heard = JSON.stringify(events);
    for (const secret of [member.split('.')[2]!, 'access_token', 'q=secret', 'cookie-value', SECRET])
      expect(heard).not.toContain(secret);
  });

  it('a forged token: no subject; the route, which Fastify knows before its first hook', async () => {
    events.length = 0;
    const token = await forged.issue({ sub: 'admin' });
    const res = await request(handler).get('/api/orders/42').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_SIGNATURE_INVALID',
        status: 401,
        claim: undefined,
        method: 'GET',
        path: '/api/orders/42',
        route: '/api/orders/:id',
        requestId: 'fastify-req-1',
      },
    ]);
  });
});

describe('the requestId option', () => {
  it('one that throws: a process warning, and the event without an id; one that is no string: left out', async () => {
    const events: AuthEvent[] = [];
    const throwing = createAuth({
      key: hs256(SECRET),
      onEvent: (event) => void events.push(event),
      requestId: () => {
        throw new Error('no id here');
      },
    });
    await expect(
      throwing.authenticate({ method: 'GET', url: '/x?y=1', headers: { authorization: 'Bearer a.b.c' } }),
    ).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
    const numeric = createAuth({
      key: hs256(SECRET),
      onEvent: (event) => void events.push(event),
      requestId: () => 42 as unknown as string,
    });
    await expect(
      numeric.authenticate({ method: 'GET', url: '/x', headers: { authorization: 'Bearer a.b.c' } }),
    ).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
    });
    expect(events).toEqual([
      {
        type: 'refused',
        code: 'ERR_TOKEN_MALFORMED',
        status: 401,
        claim: undefined,
        method: 'GET',
        path: '/x',
      },
      {
        type: 'refused',
        code: 'ERR_TOKEN_MALFORMED',
        status: 401,
        claim: undefined,
        method: 'GET',
        path: '/x',
      },
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => [w.name, w.message])).toEqual([['Error', 'no id here']]);
  });

  it('auth.verify has no request: the event says only what the token did', async () => {
    const events: AuthEvent[] = [];
    const auth = createAuth({
      key: hs256(SECRET),
      onEvent: (event) => void events.push(event),
      requestId: () => 'x',
    });
    await expect(auth.verify('a.b.c')).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
    expect(events).toEqual([{ type: 'refused', code: 'ERR_TOKEN_MALFORMED', status: 401, claim: undefined }]);
  });
});

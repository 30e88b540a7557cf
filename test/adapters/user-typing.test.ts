// docs/typing.md: what the declarations say is what runs. With a user mapper, req.user is its
// result (the User the page declares); without one, the claims; withUser hands either to the handler.
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forFastify from '../../adapters/fastify.js';
import * as forKoa from '../../adapters/koa.js';
import { createAuth, hs256 } from '../../src/index.js';
import { SECRET } from '../helpers.js';

interface User {
  id: string;
  email: string;
  role: 'admin' | 'member';
}
const users = new Map<string, User>([['user-1', { id: 'user-1', email: 'ada@example.com', role: 'admin' }]]);
const mapped = createAuth({ key: hs256(SECRET), user: (claims) => users.get(claims.sub ?? '') });
const plain = createAuth({ key: hs256(SECRET) });

describe('Express: req.user is what docs/typing.md declares', () => {
  const app = express();
  app.set('env', 'test');
  app.get(
    '/mapped',
    forExpress.requireAuth(mapped),
    forExpress.withUser(mapped, (req, res) => void res.json(req.user)),
  );
  app.get(
    '/plain',
    forExpress.requireAuth(plain),
    forExpress.withUser(plain, (req, res) => void res.json(req.user)),
  );
  app.get(
    '/forgot-the-guard',
    forExpress.withUser(plain, (_req, res) => void res.json('ran')),
  );
  app.get(
    '/rejects',
    forExpress.requireAuth(plain),
    forExpress.withUser(plain, async () => {
      await Promise.resolve();
      throw new Error('the handler failed');
    }),
  );
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ message: err.message });
  });

  it('with a user mapper: the User, id and all', async () => {
    const token = await mapped.issue({ sub: 'user-1' });
    const res = await request(app).get('/mapped').set('Authorization', `Bearer ${token}`);
    expect(res.body).toEqual({ id: 'user-1', email: 'ada@example.com', role: 'admin' });
  });

  it('without one: the claims, with no id', async () => {
    const token = await plain.issue({ sub: 'user-1', role: 'member' });
    const res = await request(app).get('/plain').set('Authorization', `Bearer ${token}`);
    expect(res.body).toMatchObject({ sub: 'user-1', role: 'member' });
    expect(res.body).not.toHaveProperty('id');
  });

  it('withUser with no guard before it: a 500 that says so, never a handler run without a user', async () => {
    const res = await request(app).get('/forgot-the-guard');
    expect(res.status).toBe(500);
    expect(res.body.message).toBe(
      'jwt-gate: authOf: neither requireAuth nor optionalAuth of this auth ran on this request',
    );
  });

  it('a handler whose promise rejects: next(err), no unhandled rejection', async () => {
    const token = await plain.issue({ sub: 'user-1' });
    const res = await request(app).get('/rejects').set('Authorization', `Bearer ${token}`);
    expect(res.body).toEqual({ message: 'the handler failed' });
  });
});

describe('Koa: withUser in a separate app.use', () => {
  it('ctx.state.user is the mapper’s User', async () => {
    const app = new Koa();
    app.use(forKoa.requireAuth(mapped));
    app.use(
      forKoa.withUser(mapped, (ctx) => {
        ctx.body = { email: ctx.state.user.email };
      }),
    );
    const token = await mapped.issue({ sub: 'user-1' });
    const res = await request(app.callback()).get('/').set('Authorization', `Bearer ${token}`);
    expect(res.body).toEqual({ email: 'ada@example.com' });
  });
});

describe('Fastify: withUser hands the handler request.user as it runs', () => {
  const app = Fastify();
  void app.register(forFastify.jwtGate);
  app.get(
    '/mapped',
    { onRequest: forFastify.requireAuth(mapped) },
    forFastify.withUser(mapped, async (request) => request.user),
  );
  app.get(
    '/plain',
    { onRequest: forFastify.requireAuth(plain) },
    forFastify.withUser(plain, async (request) => request.user),
  );
  app.get(
    '/forgot-the-guard',
    forFastify.withUser(plain, async () => 'ran'),
  );

  it('with a user mapper: the User, id and all; without one: the claims, with no id', async () => {
    const mappedToken = await mapped.issue({ sub: 'user-1' });
    const res = await app.inject({ url: '/mapped', headers: { authorization: `Bearer ${mappedToken}` } });
    expect(res.json()).toEqual({ id: 'user-1', email: 'ada@example.com', role: 'admin' });
    const plainToken = await plain.issue({ sub: 'user-1', role: 'member' });
    const claims = (
      await app.inject({ url: '/plain', headers: { authorization: `Bearer ${plainToken}` } })
    ).json();
    expect(claims).toMatchObject({ sub: 'user-1', role: 'member' });
    expect(claims).not.toHaveProperty('id');
  });

  it('withUser with no guard before it: a 500 that says so, never a handler run without a user', async () => {
    const res = await app.inject('/forgot-the-guard');
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toBe(
      'jwt-gate: authOf: neither requireAuth nor optionalAuth of this auth ran on this request',
    );
  });
});

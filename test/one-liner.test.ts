// What the README says of the one-liner `requireAuth({ key })`: it builds its own Auth, and with it its own
// memory store, so a revocation made through another Auth does not reach it; the same `store` given to both does.
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as forExpress from '../adapters/express.js';
import * as forKoa from '../adapters/koa.js';
import * as forFastify from '../adapters/fastify.js';
import { createAuth, hs256, memoryStore, type AuthOptions } from '../src/index.js';
import { SECRET, fixedNow } from './helpers.js';
import { listenerOf } from './support/fastify.js';

type Handler = Parameters<typeof request>[0];

// The options a one-liner gets here; none of them depends on the framework's request type.
type OneLinerOptions = Pick<AuthOptions, 'key' | 'now' | 'store'>;

const frameworks: ReadonlyArray<readonly [string, (options: OneLinerOptions) => Handler]> = [
  [
    'express',
    (options) => {
      const app = express();
      app.get('/me', forExpress.requireAuth(options), (req, res) => void res.json(req.user));
      return app;
    },
  ],
  [
    'koa',
    (options) => {
      const app = new Koa();
      app.use(forKoa.requireAuth(options)).use((ctx) => {
        ctx.body = ctx.state.user;
      });
      return app.callback();
    },
  ],
  [
    'fastify',
    (options) => {
      const app = Fastify();
      app.get('/me', { onRequest: forFastify.requireAuth(options) }, async (request) => request.user);
      return listenerOf(app);
    },
  ],
];

describe.each(frameworks)('requireAuth({ key }) on %s', (_name, oneLiner) => {
  async function revokedToken(options: Omit<AuthOptions, 'key'>): Promise<string> {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, ...options });
    const token = await auth.issue({ sub: 'user-1' });
    await auth.revoke(await auth.verify(token));
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    return token;
  }

  it('has a store of its own: a token revoked through another Auth still passes', async () => {
    const token = await revokedToken({});
    const res = await request(oneLiner({ key: hs256(SECRET), now: fixedNow }))
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'user-1' });
  });

  it('refuses that token when both are given the same store', async () => {
    const store = memoryStore({ now: fixedNow });
    const token = await revokedToken({ store });
    const res = await request(oneLiner({ key: hs256(SECRET), now: fixedNow, store }))
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

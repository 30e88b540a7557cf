// Each hit gets claims of its own: nothing a caller, a hook or the app does to them reaches the next request.
import express5 from 'express';
import Fastify from 'fastify';
import Koa3 from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import { createAuth, hs256, type Claims } from '../../src/index.js';
import { SECRET, fixedNow } from '../helpers.js';
import { claims, good, hsToken, options, pair, verdict } from '../support/cache.js';
import { listenerOf } from '../support/fastify.js';

describe('each hit gets claims of its own', () => {
  const raw = (json: string): string => hsToken(json);
  const base = JSON.stringify(claims).slice(0, -1);

  it('a flat "__proto__" array stays an own member, never the prototype, and mutating it changes nothing later', async () => {
    const token = raw(`${base},"__proto__":["admin"]}`);
    const { cached, plain } = pair();
    for (let i = 0; i < 3; i++) {
      const got = await cached.verify(token);
      expect(got).toEqual(await plain.verify(token));
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.hasOwn(got, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toEqual(['admin']);
      expect(Array.isArray(got)).toBe(false);
      expect((got as Record<string, unknown>).length).toBeUndefined();
      (Object.getOwnPropertyDescriptor(got, '__proto__')?.value as string[]).push('root');
      got.role = 'admin';
    }
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('a nested "__proto__" or "constructor" object is data: mutation through it pollutes nothing and does not persist', async () => {
    const token = raw(
      `${base},"__proto__":{"role":"admin","isAdmin":true},"constructor":{"prototype":{"polluted":true}}}`,
    );
    const auth = createAuth(options({ cache: { max: 10 } }));
    for (let i = 0; i < 3; i++) {
      const got = await auth.verify(token);
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(got.role).toBe('member');
      expect((got as Record<string, unknown>).isAdmin).toBeUndefined();
      const proto = Object.getOwnPropertyDescriptor(got, '__proto__')?.value as Record<string, unknown>;
      expect(proto).toEqual({ role: 'admin', isAdmin: true });
      proto.role = 'root';
      const ctor = got.constructor as unknown as { prototype: Record<string, unknown> };
      expect(ctor.prototype).toEqual({ polluted: true });
      ctor.prototype.injected = true;
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).injected).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('requiredClaims: ["__proto__"] gives the same verdicts with and without the cache', async () => {
    const { cached, plain } = pair({ requiredClaims: ['__proto__'] });
    const withIt = raw(`${base},"__proto__":[]}`);
    for (let i = 0; i < 2; i++) {
      expect(await verdict(cached.verify(withIt))).toBe('ok');
      expect(await verdict(plain.verify(withIt))).toBe('ok');
      expect(await verdict(cached.verify(good))).toBe('ERR_CLAIM_INVALID');
      expect(await verdict(plain.verify(good))).toBe('ERR_CLAIM_INVALID');
    }
  });

  it('arrays of objects and arrays of arrays: mutation never reaches the next verification', async () => {
    const token = hsToken({
      ...claims,
      groups: [{ name: 'staff', admin: false }],
      matrix: [[1, 2], ['a']],
      tags: ['x'],
    });
    const auth = createAuth(options({ cache: { max: 10 } }));
    for (let i = 0; i < 3; i++) {
      const got = await auth.verify(token);
      expect(got.groups).toEqual([{ name: 'staff', admin: false }]);
      expect(got.matrix).toEqual([[1, 2], ['a']]);
      expect(got.tags).toEqual(['x']);
      (got.groups as { admin: boolean }[])[0]!.admin = true;
      (got.groups as unknown[]).push({ name: 'root', admin: true });
      (got.matrix as unknown[][])[0]!.push(3);
      (got.tags as string[]).push('admin');
      (got.roles as string[]).push('admin');
      delete got.exp;
    }
  });

  it('isRevoked and the user mapper mutating the claims they are given change nothing later', async () => {
    let seen = 0;
    const auth = createAuth(
      options({
        cache: { max: 10 },
        isRevoked: (c: Claims) => {
          c.role = 'admin';
          (c.roles as string[]).push('admin');
          return false;
        },
        user: (c: Claims) => {
          seen++;
          c.sub = 'root';
          delete c.exp;
          return { id: c.sub };
        },
      }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await auth.authenticate({ headers: { authorization: `Bearer ${good}` } });
      expect(res?.user).toEqual({ id: 'root' });
      const again = await auth.verify(good);
      expect(again.sub).toBe('user-1');
      expect(again.exp).toBe(claims.exp);
      // isRevoked ran on this copy too.
      expect(again.roles).toEqual(['member', 'admin']);
    }
    expect(seen).toBe(3);
  });

  it('concurrent hits get distinct objects', async () => {
    const auth = createAuth(options({ cache: { max: 10 } }));
    await auth.verify(good);
    const all = await Promise.all(Array.from({ length: 20 }, () => auth.verify(good)));
    expect(new Set(all).size).toBe(20);
    expect(new Set(all.map((c) => c.roles)).size).toBe(20);
  });
});

describe('an app that mutates req.auth / ctx.state.auth / request.auth', () => {
  const admin = { roles: ['admin'] };
  const token = hsToken({ ...claims, roles: ['member'], scope: 'read' });

  it('Express: the mutation never grants anything to the next request with the same token', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
    const app = express5();
    app.get('/me', forExpress.requireAuth(auth), (req, res) => {
      const c = req.auth!;
      c.role = 'admin';
      (c.roles as string[]).push('admin');
      c.scope = 'read write';
      (req.user as unknown as Record<string, unknown>).sub = 'root';
      res.json(c);
    });
    app.get('/admin', forExpress.requireAuth(auth, admin), (req, res) => {
      res.json(req.auth);
    });
    for (let i = 0; i < 3; i++) {
      expect((await request(app).get('/me').set('Authorization', `Bearer ${token}`)).body.roles).toEqual([
        'member',
        'admin',
      ]);
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ERR_FORBIDDEN');
    }
  });

  it('Koa: the mutation never grants anything to the next request with the same token', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
    const app = new Koa3();
    app.silent = true;
    const me = forKoa.requireAuth(auth);
    const adminOnly = forKoa.requireAuth(auth, admin);
    app.use(async (ctx, next) => {
      if (ctx.path === '/me') {
        await me(ctx, async () => {
          const c = (ctx.state as { auth: Claims }).auth;
          c.role = 'admin';
          (c.roles as string[]).push('admin');
          ctx.body = c;
        });
        return;
      }
      if (ctx.path === '/admin') {
        await adminOnly(ctx, async () => {
          ctx.body = { ok: true };
        });
        return;
      }
      await next();
    });
    const handler = app.callback();
    for (let i = 0; i < 3; i++) {
      expect((await request(handler).get('/me').set('Authorization', `Bearer ${token}`)).body.roles).toEqual([
        'member',
        'admin',
      ]);
      const res = await request(handler).get('/admin').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ERR_FORBIDDEN');
    }
  });

  it('Fastify: the mutation never grants anything to the next request with the same token', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
    const app = Fastify();
    void app.register(forFastify.jwtGate);
    app.get('/me', { onRequest: forFastify.requireAuth(auth) }, async (request) => {
      const c = request.auth!;
      c.role = 'admin';
      (c.roles as string[]).push('admin');
      c.scope = 'read write';
      return c;
    });
    app.get('/admin', { onRequest: forFastify.requireAuth(auth, admin) }, async (request) => request.auth);
    const handler = listenerOf(app);
    for (let i = 0; i < 3; i++) {
      expect((await request(handler).get('/me').set('Authorization', `Bearer ${token}`)).body.roles).toEqual([
        'member',
        'admin',
      ]);
      const res = await request(handler).get('/admin').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ERR_FORBIDDEN');
    }
  });
});

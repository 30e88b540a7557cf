// Guards attacked through what they let go on: `unless` paths that something downstream reads as
// another path, CORS preflights, and two Auths on one request.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import Fastify from 'fastify';
import send from 'send';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, type Auth, type SkipRules } from '../../src/index.js';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import { SECRET } from '../helpers.js';
import { listenerOf } from '../support/fastify.js';
import { rawRequest as raw } from '../support/servers.js';
import { expectRefused } from '../support/sessions.js';
import type { Handler } from './apps.js';

const root = mkdtempSync(join(tmpdir(), 'jwt-gate-static-'));
mkdirSync(join(root, 'public'));
writeFileSync(join(root, 'public', 'page.txt'), 'a public page');
writeFileSync(join(root, 'private.txt'), 'PAYROLL');
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Host {
  readonly name: string;
  /** A guard with `unless` in front of a static file server on `root` and a protected `/admin`. */
  staticApp(auth: Auth, unless: SkipRules): Handler;
  /** A guard in front of everything, then a handler for every method: `app.all`, or a plain Koa middleware. */
  everyMethodApp(auth: Auth): Handler;
  /**
   * `/open/me` served as `/me` and `/status` as `/health` by a rewrite before the guard (`req.url`, `ctx.path`,
   * Fastify's rewriteUrl), under `prefix` (a mount point), with `unless: { path: [prefix + '/health', /open/] }`.
   */
  rewritingApp(auth: Auth, prefix: '' | '/api'): Handler;
}

const ALIASES: Readonly<Record<string, string>> = { '/open/me': '/me', '/status': '/health' };
const publicOf = (prefix: string): SkipRules => ({
  path: [`${prefix}/health`, new RegExp(`^${prefix.replace('/', '\\/')}\\/open\\/`)],
});

const expressHost = (name: string, factory: typeof express5): Host => ({
  name,
  staticApp(auth, unless) {
    const app = factory();
    app.use(forExpress.requireAuth(auth, { unless }));
    app.get('/admin', (_req, res) => void res.send('ADMIN'));
    app.use(factory.static(root));
    return app;
  },
  everyMethodApp(auth) {
    const app = factory();
    app.use(forExpress.requireAuth(auth));
    app.all('/payroll', (req, res) => void res.json({ payroll: 'PAYROLL', user: req.user ?? null }));
    return app;
  },
  rewritingApp(auth, prefix) {
    const app = factory();
    const area = factory.Router();
    area.use((req, _res, next) => {
      req.url = ALIASES[req.url] ?? req.url;
      next();
    });
    area.use(forExpress.requireAuth(auth, { unless: publicOf(prefix) }));
    area.get('/health', (_req, res) => void res.json({ up: true }));
    area.get(
      '/me',
      (req, res) => void res.json({ user: (req.user as { sub?: string } | undefined)?.sub ?? null }),
    );
    app.use(prefix || '/', area);
    return app;
  },
});

const koaHost = (name: string, Factory: typeof Koa3): Host => ({
  name,
  staticApp(auth, unless) {
    const app = new Factory();
    app.silent = true;
    app.use(forKoa.requireAuth(auth, { unless }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/admin') ctx.body = 'ADMIN';
      else await next();
    });
    // What koa-static does: the `send` of serve-static, which decodes the path and resolves it under root.
    app.use(
      (ctx) =>
        new Promise<void>((resolve) => {
          ctx.respond = false;
          ctx.res.statusCode = 200;
          send(ctx.req, ctx.path, { root })
            .on('error', (err: { status?: number }) => {
              ctx.res.statusCode = err.status ?? 500;
              ctx.res.end();
              resolve();
            })
            .on('end', resolve)
            .pipe(ctx.res);
        }),
    );
    return app.callback();
  },
  everyMethodApp(auth) {
    const app = new Factory();
    app.silent = true;
    // The README's Koa quick start: the guard, then the app's own middleware.
    app.use(forKoa.requireAuth(auth)).use((ctx) => {
      ctx.body = { payroll: 'PAYROLL', user: ctx.state.user ?? null };
    });
    return app.callback();
  },
  rewritingApp(auth, prefix) {
    const app = new Factory();
    app.silent = true;
    const guard = forKoa.requireAuth(auth, { unless: publicOf(prefix) });
    const area: Koa3.Middleware = async (ctx, next) => {
      ctx.path = ALIASES[ctx.path] ?? ctx.path;
      await guard(ctx, async () => {
        if (ctx.path === '/health') ctx.body = { up: true };
        else if (ctx.path === '/me')
          ctx.body = { user: (ctx.state.user as { sub?: string } | undefined)?.sub ?? null };
        else await next();
      });
    };
    // What koa-mount does: the rest of the path as ctx.path, the prefix as ctx.mountPath, put back after.
    app.use(async (ctx, next) => {
      if (prefix === '') return area(ctx, next);
      if (!ctx.path.startsWith(`${prefix}/`)) return next();
      const before = ctx.path;
      Object.assign(ctx, { mountPath: prefix });
      ctx.path = before.slice(prefix.length);
      await area(ctx, next);
      ctx.path = before;
    });
    return app.callback();
  },
});

const fastifyHost: Host = {
  name: 'Fastify 5',
  staticApp(auth, unless) {
    const app = Fastify();
    app.addHook('onRequest', forFastify.requireAuth(auth, { unless }));
    app.get('/admin', async () => 'ADMIN');
    // What @fastify/static does: a wildcard route handing the rest of the path to `send` under root.
    app.get('/*', (request, reply) => {
      reply.hijack();
      send(request.raw, `/${(request.params as { '*': string })['*']}`, { root })
        .on('error', (err: { status?: number }) => {
          reply.raw.statusCode = err.status ?? 500;
          reply.raw.end();
        })
        .pipe(reply.raw);
    });
    return listenerOf(app);
  },
  everyMethodApp(auth) {
    const app = Fastify();
    void app.register(forFastify.jwtGate);
    app.addHook('onRequest', forFastify.requireAuth(auth));
    app.all('/payroll', async (request) => ({ payroll: 'PAYROLL', user: request.user ?? null }));
    return listenerOf(app);
  },
  rewritingApp(auth, prefix) {
    const app = Fastify({
      rewriteUrl: (req) => {
        const url = req.url ?? '/';
        const rest = url.slice(prefix.length);
        return url.startsWith(`${prefix}/`) && ALIASES[rest] ? prefix + ALIASES[rest] : url;
      },
    });
    void app.register(forFastify.jwtGate);
    void app.register(
      async (area) => {
        area.addHook('onRequest', forFastify.requireAuth(auth, { unless: publicOf(prefix) }));
        area.get('/health', async () => ({ up: true }));
        area.get('/me', async (request) => ({
          user: (request.user as { sub?: string } | undefined)?.sub ?? null,
        }));
      },
      { prefix },
    );
    return listenerOf(app);
  },
};

const hosts: readonly Host[] = [
  expressHost('Express 5', express5),
  expressHost('Express 4', express4),
  koaHost('Koa 3', Koa3),
  koaHost('Koa 2', Koa2),
  fastifyHost,
];

describe.each(hosts)('$name', (host) => {
  const auth = createAuth({ key: hs256(SECRET) });

  describe('unless: { path: [/^\\/public\\//] } in front of a static file server', () => {
    const app = host.staticApp(auth, { path: [/^\/public\//] });

    it('the public page goes on without a token; a private file needs one', async () => {
      expect(await raw(app, 'GET', '/public/page.txt')).toMatchObject({ status: 200, body: 'a public page' });
      expect((await raw(app, 'GET', '/private.txt')).status).toBe(401);
    });

    it.each([
      '/public/../private.txt',
      '/public/%2e%2e/private.txt',
      '/public/%2E%2E/private.txt',
      '/public/.%2e/private.txt',
      '/public/..%2fprivate.txt',
      '/public/..%2Fprivate.txt',
      '/public/./../private.txt',
    ])('%s: a path the file server resolves outside /public/ is no public path', async (target) => {
      const res = await raw(app, 'GET', target);
      expect(res.body).not.toContain('PAYROLL');
      expect(res.status).toBe(401);
    });
  });

  it('an unanchored pattern and an absolute-form target: GET http://public/admin is routed to /admin, never skipped', async () => {
    const app = host.staticApp(auth, { path: [/\/public\//] });
    expect((await raw(app, 'GET', '/admin')).status).toBe(401);
    const res = await raw(app, 'GET', 'http://public/admin');
    expect(res.body).not.toContain('ADMIN');
    expect(res.status).toBe(401);
  });

  describe.each(['', '/api'] as const)('unless behind a rewrite, under %j', (prefix) => {
    // The router serves the rewritten path: that path, not the one the client sent, decides what is public.
    const app = host.rewritingApp(auth, prefix);

    it('an alias of a guarded path is guarded, though the path sent matched unless', async () => {
      expectRefused(await request(app).get(`${prefix}/open/me`), 401, 'ERR_TOKEN_MISSING');
      const token = await auth.issue({ sub: 'user-1' });
      const res = await request(app).get(`${prefix}/open/me`).set('Authorization', `Bearer ${token}`);
      expect([res.status, res.body]).toEqual([200, { user: 'user-1' }]);
    });

    it('an alias of a public path goes on; the public path itself too', async () => {
      for (const path of ['/status', '/health']) {
        const res = await request(app).get(prefix + path);
        expect([res.status, res.body]).toEqual([200, { up: true }]);
      }
    });
  });

  it(
    // A guard answers a preflight itself (204) unless told a CORS handler follows: nothing after it runs without a user.
    'OPTIONS with Access-Control-Request-Method does not read a guarded every-method handler',
    async () => {
      const app = host.everyMethodApp(auth);
      expectRefused(await request(app).get('/payroll'), 401, 'ERR_TOKEN_MISSING');
      const res = await request(app)
        .options('/payroll')
        .set('Origin', 'https://evil.test')
        .set('Access-Control-Request-Method', 'GET');
      expect(JSON.stringify(res.body)).not.toContain('PAYROLL');
    },
  );
});

describe('two Auths on one request', () => {
  const staff = createAuth({ key: hs256({ secret: `${SECRET}-staff`, kid: 'staff' }) });
  const customers = createAuth({ key: hs256({ secret: `${SECRET}-customers`, kid: 'customers' }) });

  it('Express: each authOf reads its own Auth’s verdict; a token of one is never the other’s user', async () => {
    const app = express5();
    app.get('/both', forExpress.optionalAuth(staff), forExpress.optionalAuth(customers), (req, res) => {
      res.json({
        staff: forExpress.authOf(req, staff, { optional: true })?.claims.sub ?? null,
        customer: forExpress.authOf(req, customers, { optional: true })?.claims.sub ?? null,
        user: req.user ?? null,
      });
    });
    const res = await request(app)
      .get('/both')
      .set('Authorization', `Bearer ${await customers.issue({ sub: 'carol' })}`);
    expect(res.body).toEqual({
      staff: null,
      customer: 'carol',
      user: { sub: 'carol', iat: expect.any(Number), exp: expect.any(Number), jti: expect.any(String) },
    });
    const swapped = await request(app)
      .get('/both')
      .set('Authorization', `Bearer ${await staff.issue({ sub: 'sam' })}`);
    // The later guard refused the token and cleared req.user; authOf still knows what each Auth decided.
    expect(swapped.body).toEqual({ staff: 'sam', customer: null, user: null });
  });

  it('Fastify: each authOf reads its own Auth’s verdict; a token of one is never the other’s user', async () => {
    const app = Fastify();
    void app.register(forFastify.jwtGate);
    const onRequest = [forFastify.optionalAuth(staff), forFastify.optionalAuth(customers)];
    app.get('/both', { onRequest }, async (request) => ({
      staff: forFastify.authOf(request, staff, { optional: true })?.claims.sub ?? null,
      customer: forFastify.authOf(request, customers, { optional: true })?.claims.sub ?? null,
      user: request.user ?? null,
    }));
    const handler = listenerOf(app);
    const res = await request(handler)
      .get('/both')
      .set('Authorization', `Bearer ${await customers.issue({ sub: 'carol' })}`);
    expect(res.body).toMatchObject({ staff: null, customer: 'carol', user: { sub: 'carol' } });
    const swapped = await request(handler)
      .get('/both')
      .set('Authorization', `Bearer ${await staff.issue({ sub: 'sam' })}`);
    expect(swapped.body).toEqual({ staff: 'sam', customer: null, user: null });
  });
});

// One small app per framework major, with the same routes, for the shared contract suite.
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type request from 'supertest';
import type { Auth, Claims } from '../../src/index.js';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import { listenerOf } from '../support/fastify.js';

export type Handler = Parameters<typeof request>[0];

export interface Variant {
  readonly name: string;
  readonly framework: 'express' | 'koa' | 'fastify';
  /** Builds the app around `auth`; `trustProxy` makes X-Forwarded-Proto count. */
  build(auth: Auth, trustProxy?: boolean): Handler;
}

const member = { sub: 'user-1', role: 'member', scope: 'read' };

function expressApp(factory: typeof express5, auth: Auth, trustProxy: boolean): Handler {
  const { requireAuth, optionalAuth, signIn, signOut, jwksHandler, refreshHandler, authOf } = forExpress;
  const app = factory();
  app.set('env', 'test');
  // What an Express 4 app does for its async routes (Express 5 does it by itself).
  const forwarded =
    (route: (req: express5.Request, res: express5.Response) => Promise<void>): express5.RequestHandler =>
    (req, res, next) =>
      void route(req, res).catch(next);
  if (trustProxy) app.set('trust proxy', true);
  const show = (req: express5.Request, res: express5.Response): void => {
    res.json({
      user: req.user ?? null,
      claims: req.auth ?? null,
      authError: req.authError?.code ?? null,
    });
  };
  app.get('/.well-known/jwks.json', jwksHandler(auth, { maxAge: 600 }));
  app.get('/required', requireAuth(auth), show);
  app.get('/optional', optionalAuth(auth), show);
  app.get('/admin', requireAuth(auth, { roles: ['admin'] }), show);
  app.get('/scoped', requireAuth(auth, { scopes: ['read', 'write'] }), show);
  app.get('/checked', requireAuth(auth, { check: (claims: Claims) => claims.sub === 'user-1' }), show);
  app.get('/forward', requireAuth(auth, { errors: 'forward' }), show);
  app.get('/boom', requireAuth(auth), () => {
    throw new Error('downstream failure');
  });
  app.post(
    '/login',
    forwarded(async (_req, res) => {
      await signIn(res, auth, member);
      res.sendStatus(204);
    }),
  );
  app.post(
    '/auth/logout',
    forwarded(async (_req, res) => {
      await signOut(res, auth);
      res.sendStatus(204);
    }),
  );
  app.post(
    '/auth/logout-everywhere',
    requireAuth(auth),
    forwarded(async (_req, res) => {
      await signOut(res, auth, { everywhere: true });
      res.sendStatus(204);
    }),
  );
  app.post(
    '/auth/logout-all',
    forwarded(async (_req, res) => {
      await signOut(res, auth, { everywhere: true });
      res.sendStatus(204);
    }),
  );
  // The mistake docs/sessions.md warns of: sign-out on GET, reachable by a link or an <img> from another site.
  app.get(
    '/auth/logout-all',
    forwarded(async (_req, res) => {
      await signOut(res, auth, { everywhere: true });
      res.sendStatus(204);
    }),
  );
  // The common mistake: signOut not awaited.
  app.post('/auth/logout-unawaited', (_req, res) => {
    void signOut(res, auth);
    res.sendStatus(204);
  });
  // Outside refresh.path: the refresh cookie never reaches it.
  app.post(
    '/logout',
    forwarded(async (_req, res) => {
      await signOut(res, auth);
      res.sendStatus(204);
    }),
  );
  app.post('/write', requireAuth(auth), show);
  app.post('/auth/refresh', refreshHandler(auth));
  // The common mistake: signIn not awaited.
  app.post('/login-unawaited', (_req, res) => {
    void signIn(res, auth, member);
    res.sendStatus(204);
  });
  app.get('/optional-strict', optionalAuth(auth, { invalid: 'refuse' }), show);
  app.get('/typed', requireAuth(auth, { property: 'jwt' }), (req, res) => {
    const { user, claims, source } = authOf(req, auth);
    res.json({
      user,
      claims,
      source,
      jwt: (req as unknown as { jwt?: unknown }).jwt ?? null,
      auth: req.auth ?? null,
    });
  });
  // No guard ran: authOf throws, and Express answers 500.
  app.get('/unguarded', (req, res) => {
    authOf(req, auth);
    res.sendStatus(200);
  });
  // A whole area behind one guard, with public paths let through, and CORS preflights answered after it.
  // The CORS handler follows the guard here, so preflights go on to it.
  const api = requireAuth(auth, { unless: { path: ['/api/health', /^\/api\/public\//] }, preflight: 'next' });
  app.use('/api', api);
  app.options(
    '/api/items',
    (_req, res) => void res.set('Access-Control-Allow-Origin', 'https://app.example').sendStatus(204),
  );
  // By default a guard answers a preflight itself: this every-method handler never runs without a user.
  app.use('/vault', requireAuth(auth));
  app.all('/vault/secret', (_req, res) => void res.json({ secret: 'VAULT' }));
  app.get('/api/items', show);
  app.get('/api/health', show);
  app.get('/api/public/page', show);
  return app;
}

function koaApp(Factory: typeof Koa3, auth: Auth, trustProxy: boolean): Handler {
  const { requireAuth, optionalAuth, signIn, signOut, jwksHandler, refreshHandler, authOf } = forKoa;
  const app = new Factory({ proxy: trustProxy });
  app.silent = true;
  const routes: Record<string, Koa3.Middleware[]> = {
    'GET /.well-known/jwks.json': [jwksHandler(auth, { maxAge: 600 })],
    'GET /required': [requireAuth(auth)],
    'GET /optional': [optionalAuth(auth)],
    'GET /admin': [requireAuth(auth, { roles: ['admin'] })],
    'GET /scoped': [requireAuth(auth, { scopes: ['read', 'write'] })],
    'GET /checked': [requireAuth(auth, { check: (claims: Claims) => claims.sub === 'user-1' })],
    'GET /forward': [requireAuth(auth, { errors: 'forward' })],
    'GET /boom': [
      requireAuth(auth),
      () => {
        throw new Error('downstream failure');
      },
    ],
    'POST /login': [
      async (ctx) => {
        await signIn(ctx, auth, member);
        ctx.status = 204;
      },
    ],
    'POST /auth/logout': [
      async (ctx) => {
        await signOut(ctx, auth);
        ctx.status = 204;
      },
    ],
    'POST /auth/logout-everywhere': [
      requireAuth(auth),
      async (ctx) => {
        await signOut(ctx, auth, { everywhere: true });
        ctx.status = 204;
      },
    ],
    'POST /auth/logout-all': [
      async (ctx) => {
        await signOut(ctx, auth, { everywhere: true });
        ctx.status = 204;
      },
    ],
    'GET /auth/logout-all': [
      async (ctx) => {
        await signOut(ctx, auth, { everywhere: true });
        ctx.status = 204;
      },
    ],
    'POST /auth/logout-unawaited': [
      (ctx) => {
        void signOut(ctx, auth);
        ctx.status = 204;
      },
    ],
    'POST /logout': [
      async (ctx) => {
        await signOut(ctx, auth);
        ctx.status = 204;
      },
    ],
    'POST /write': [requireAuth(auth)],
    'POST /auth/refresh': [refreshHandler(auth)],
    'POST /login-unawaited': [
      (ctx) => {
        void signIn(ctx, auth, member);
        ctx.status = 204;
      },
    ],
    'GET /optional-strict': [optionalAuth(auth, { invalid: 'refuse' })],
    'GET /unguarded': [
      (ctx) => {
        authOf(ctx, auth);
        ctx.status = 200;
      },
    ],
    'GET /typed': [
      requireAuth(auth, { property: 'jwt' }),
      (ctx) => {
        const { user, claims, source } = authOf(ctx, auth);
        ctx.body = {
          user,
          claims,
          source,
          jwt: (ctx.state as { jwt?: unknown }).jwt ?? null,
          auth: ctx.state.auth ?? null,
        };
      },
    ],
  };
  // A whole area behind one guard, with public paths let through, and CORS preflights answered after it.
  // The CORS handler follows the guard here, so preflights go on to it.
  const api = requireAuth(auth, { unless: { path: ['/api/health', /^\/api\/public\//] }, preflight: 'next' });
  const vault = requireAuth(auth);
  const apiRoutes: Record<string, Koa3.Middleware> = {
    'OPTIONS /api/items': (ctx) => {
      ctx.set('Access-Control-Allow-Origin', 'https://app.example');
      ctx.status = 204;
    },
  };
  const show: Koa3.Middleware = (ctx) => {
    ctx.body = {
      user: ctx.state.user ?? null,
      claims: ctx.state.auth ?? null,
      authError: ctx.state.authError?.code ?? null,
    };
  };
  app.use(async (ctx, next) => {
    // By default a guard answers a preflight itself: this every-method handler never runs without a user.
    if (ctx.path === '/vault/secret') return vault(ctx, async () => void (ctx.body = { secret: 'VAULT' }));
    if (!ctx.path.startsWith('/api/')) return next();
    await api(ctx, async () => {
      await (apiRoutes[`${ctx.method} ${ctx.path}`] ?? show)(ctx, async () => undefined);
    });
  });
  app.use(async (ctx, next) => {
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    const run = (i: number): Promise<void> => Promise.resolve((chain[i] ?? show)(ctx, () => run(i + 1)));
    await run(0);
  });
  return app.callback();
}

function fastifyApp(auth: Auth, trustProxy: boolean): Handler {
  const { jwtGate, requireAuth, optionalAuth, signIn, signOut, jwksHandler, refreshHandler, authOf } =
    forFastify;
  const app = Fastify({ trustProxy });
  void app.register(jwtGate);
  const show = async (request: FastifyRequest) => ({
    user: request.user ?? null,
    claims: request.auth ?? null,
    authError: request.authError?.code ?? null,
  });
  const logout =
    (options: { everywhere?: boolean } = {}) =>
    async (_request: FastifyRequest, reply: FastifyReply) => {
      await signOut(reply, auth, options);
      return reply.code(204).send();
    };
  app.get('/.well-known/jwks.json', jwksHandler(auth, { maxAge: 600 }));
  app.get('/required', { onRequest: requireAuth(auth) }, show);
  app.get('/optional', { onRequest: optionalAuth(auth) }, show);
  app.get('/admin', { onRequest: requireAuth(auth, { roles: ['admin'] }) }, show);
  app.get('/scoped', { onRequest: requireAuth(auth, { scopes: ['read', 'write'] }) }, show);
  app.get('/checked', { onRequest: requireAuth(auth, { check: (claims) => claims.sub === 'user-1' }) }, show);
  app.get('/forward', { onRequest: requireAuth(auth, { errors: 'forward' }) }, show);
  app.get('/boom', { onRequest: requireAuth(auth) }, () => {
    throw new Error('downstream failure');
  });
  app.post('/login', async (_request, reply) => {
    await signIn(reply, auth, member);
    return reply.code(204).send();
  });
  app.post('/auth/logout', logout());
  app.post('/auth/logout-everywhere', { onRequest: requireAuth(auth) }, logout({ everywhere: true }));
  app.post('/auth/logout-all', logout({ everywhere: true }));
  // The mistake docs/sessions.md warns of: sign-out on GET, reachable by a link or an <img> from another site.
  app.get('/auth/logout-all', logout({ everywhere: true }));
  // The common mistake: signOut not awaited.
  app.post('/auth/logout-unawaited', (_request, reply) => {
    void signOut(reply, auth);
    void reply.code(204).send();
  });
  // Outside refresh.path: the refresh cookie never reaches it.
  app.post('/logout', logout());
  app.post('/write', { onRequest: requireAuth(auth) }, show);
  app.post('/auth/refresh', refreshHandler(auth));
  // The common mistake: signIn not awaited.
  app.post('/login-unawaited', (_request, reply) => {
    void signIn(reply, auth, member);
    void reply.code(204).send();
  });
  app.get('/optional-strict', { onRequest: optionalAuth(auth, { invalid: 'refuse' }) }, show);
  app.get('/typed', { onRequest: requireAuth(auth, { property: 'jwt' }) }, async (request) => {
    const { user, claims, source } = authOf(request, auth);
    const jwt = (request as unknown as { jwt?: unknown }).jwt ?? null;
    return { user, claims, source, jwt, auth: request.auth ?? null };
  });
  // No guard ran: authOf throws, and Fastify answers 500.
  app.get('/unguarded', async (request) => {
    authOf(request, auth);
    return 'OK';
  });
  // A whole area behind one guard in a scope of its own, with public paths let through, and CORS
  // preflights answered after it. The CORS handler follows the guard here, so preflights go on to it.
  void app.register(
    async (api) => {
      api.addHook(
        'onRequest',
        requireAuth(auth, { unless: { path: ['/api/health', /^\/api\/public\//] }, preflight: 'next' }),
      );
      api.options('/items', (_request, reply) =>
        reply.header('Access-Control-Allow-Origin', 'https://app.example').code(204).send(),
      );
      api.get('/items', show);
      api.get('/health', show);
      api.get('/public/page', show);
      // Fastify runs a scope's hooks for its routes only: this 404 keeps unknown paths behind the guard too.
      api.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));
    },
    { prefix: '/api' },
  );
  // By default a guard answers a preflight itself: this every-method handler never runs without a user.
  void app.register(
    async (vault) => {
      vault.addHook('onRequest', requireAuth(auth));
      vault.all('/secret', async () => ({ secret: 'VAULT' }));
    },
    { prefix: '/vault' },
  );
  return listenerOf(app);
}

export const variants: readonly Variant[] = [
  {
    name: 'Express 5',
    framework: 'express',
    build: (auth, proxy = false) => expressApp(express5, auth, proxy),
  },
  {
    name: 'Express 4',
    framework: 'express',
    build: (auth, proxy = false) => expressApp(express4, auth, proxy),
  },
  { name: 'Koa 3', framework: 'koa', build: (auth, proxy = false) => koaApp(Koa3, auth, proxy) },
  { name: 'Koa 2', framework: 'koa', build: (auth, proxy = false) => koaApp(Koa2, auth, proxy) },
  { name: 'Fastify 5', framework: 'fastify', build: (auth, proxy = false) => fastifyApp(auth, proxy) },
];

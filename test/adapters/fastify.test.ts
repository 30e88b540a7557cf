// What only Fastify has: the plugin and its decorators, scopes (encapsulation), hooks at either stage, and
// the error handler of a scope. The behaviour every host shares is in contract.test.ts and the suites beside it.
import Fastify, { type FastifyRequest } from 'fastify';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as forFastify from '../../adapters/fastify.js';
import { createAuth, hs256, isAuthError, toHttpError, type AuthEvent } from '../../src/index.js';
import { hsOptions, validHsToken } from '../hostile-tokens.js';
import { listenerOf } from '../support/fastify.js';

const { jwtGate, requireAuth, optionalAuth } = forFastify;
const auth = createAuth(hsOptions);
const bearer = `Bearer ${validHsToken}`;

describe('the jwtGate plugin', () => {
  it('declares request.user, authError and auth in the scope that registers it, not a scope of its own', async () => {
    const app = Fastify();
    await app.register(jwtGate);
    expect(['user', 'authError', 'auth'].map((name) => app.hasRequestDecorator(name))).toEqual([
      true,
      true,
      true,
    ]);
    expect(app.hasPlugin('jwt-gate')).toBe(true);
    app.get('/', async (request) => ({ own: Object.hasOwn(request, 'user'), user: request.user ?? 'none' }));
    expect((await app.inject('/')).json()).toEqual({ own: true, user: 'none' });
  });

  it('shares a `user` another plugin declared, may be registered twice, and is a dependency by its name', async () => {
    const app = Fastify();
    app.decorateRequest('user', undefined);
    await app.register(jwtGate);
    await app.register(jwtGate);
    const dependent = Object.assign(async () => undefined, {
      [Symbol.for('plugin-meta')]: { name: 'needs-jwt-gate', dependencies: ['jwt-gate'] },
    });
    await app.register(dependent);
    await expect(app.ready()).resolves.toBe(app);
  });
});

describe('guards in Fastify', () => {
  function scoped() {
    const app = Fastify();
    void app.register(jwtGate);
    app.get('/open', async (request) => ({ user: request.user ?? null }));
    void app.register(
      async (api) => {
        api.addHook('onRequest', requireAuth(auth, { errors: 'forward' }));
        // As docs/errors.md's "Customising errors" renders a forwarded error.
        api.setErrorHandler((err, _request, reply) => {
          if (!isAuthError(err)) throw err;
          const { status, headers, body } = toHttpError(err, auth.realm);
          return reply
            .code(status)
            .headers(headers)
            .send({ ...body, handledBy: 'the scope' });
        });
        api.get('/me', async (request) => ({ user: request.user }));
      },
      { prefix: '/api' },
    );
    return listenerOf(app);
  }

  it('a guard added to a scope covers its routes only (encapsulation)', async () => {
    const app = scoped();
    expect((await request(app).get('/open')).body).toEqual({ user: null });
    expect((await request(app).get('/api/me').set('Authorization', bearer)).body.user).toMatchObject({
      sub: 'user-1',
    });
  });

  it("errors: 'forward' hands the AuthError to the scope's own error handler, with its status and challenge", async () => {
    const res = await request(scoped()).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'authentication required',
      code: 'ERR_TOKEN_MISSING',
      handledBy: 'the scope',
    });
  });

  it('as a preHandler, it runs after the body is parsed and before the handler', async () => {
    const app = Fastify();
    void app.register(jwtGate);
    app.post('/notes', { preHandler: optionalAuth(auth) }, async (request) => ({
      body: request.body,
      user: (request.user as { sub?: string } | undefined)?.sub ?? null,
    }));
    const signedIn = await request(listenerOf(app))
      .post('/notes')
      .set('Authorization', bearer)
      .send({ note: 'hello' });
    expect(signedIn.body).toEqual({ body: { note: 'hello' }, user: 'user-1' });
    const anonymous = await request(listenerOf(app)).post('/notes').send({ note: 'hi' });
    expect(anonymous.body).toEqual({ body: { note: 'hi' }, user: null });
  });
});

// An async onSend hook (compression, metrics, an audit log) holds the answer back: Fastify's `reply.sent` is
// still false when the guard's hook returns, and an async hook that returns lets the request go on.
describe('a refusal stops the request, whatever onSend hooks hold the answer back', () => {
  function withSlowOnSend(stage: 'onRequest' | 'preHandler', guard: forFastify.AuthHook) {
    const app = Fastify();
    void app.register(jwtGate);
    app.addHook('onSend', async (_request, _reply, payload) => {
      await new Promise((resolve) => setImmediate(resolve));
      return payload;
    });
    const ran: string[] = [];
    app.route({
      method: ['POST', 'OPTIONS'],
      url: '/write',
      [stage]: guard,
      handler: async (request) => {
        ran.push(`${request.method} ${(request.user as { sub?: string } | undefined)?.sub ?? 'anonymous'}`);
        return { written: true };
      },
    });
    return { app, ran };
  }

  for (const stage of ['onRequest', 'preHandler'] as const) {
    it(`as ${stage}: a 401 never runs the handler`, async () => {
      const { app, ran } = withSlowOnSend(stage, requireAuth(auth));
      const res = await app.inject({ method: 'POST', url: '/write' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ERR_TOKEN_MISSING' });
      expect(ran).toEqual([]);
      const ok = await app.inject({ method: 'POST', url: '/write', headers: { authorization: bearer } });
      expect([ok.statusCode, ran]).toEqual([200, ['POST user-1']]);
    });

    it(`as ${stage}: a 403 never runs the handler`, async () => {
      const { app, ran } = withSlowOnSend(stage, requireAuth(auth, { roles: ['admin'] }));
      const res = await app.inject({ method: 'POST', url: '/write', headers: { authorization: bearer } });
      expect([res.statusCode, res.json().code, ran]).toEqual([403, 'ERR_FORBIDDEN', []]);
    });

    it(`as ${stage}: a preflight the guard answers never runs the handler`, async () => {
      const { app, ran } = withSlowOnSend(stage, requireAuth(auth));
      const res = await app.inject({
        method: 'OPTIONS',
        url: '/write',
        headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' },
      });
      expect([res.statusCode, ran]).toEqual([204, []]);
    });
  }
});

describe('unless, after rewriteUrl', () => {
  // The router serves the rewritten path: that path, not the one the client sent, decides what is public.
  function rewritten() {
    const aliases: Record<string, string> = { '/status': '/health', '/open/me': '/me' };
    const app = Fastify({ rewriteUrl: (req) => aliases[req.url ?? ''] ?? req.url ?? '/' });
    void app.register(jwtGate);
    app.addHook('onRequest', requireAuth(auth, { unless: { path: ['/health', /^\/open\//] } }));
    app.get('/health', async () => ({ up: true }));
    app.get('/me', async (request) => ({
      user: (request.user as { sub?: string } | undefined)?.sub ?? null,
    }));
    return app;
  }

  it('an alias of a public path goes on', async () => {
    const res = await rewritten().inject('/status');
    expect([res.statusCode, res.json()]).toEqual([200, { up: true }]);
  });

  it('an alias of a guarded path is guarded, though the path sent matched unless', async () => {
    const res = await rewritten().inject('/open/me');
    expect([res.statusCode, res.json()]).toEqual([
      401,
      expect.objectContaining({ code: 'ERR_TOKEN_MISSING' }),
    ]);
    const signedIn = await rewritten().inject({ url: '/open/me', headers: { authorization: bearer } });
    expect(signedIn.json()).toEqual({ user: 'user-1' });
  });
});

describe('guards beside the app’s own hooks', () => {
  it('a route’s own onRequest hooks around the guard see no user before it and the user after; HEAD is guarded', async () => {
    const app = Fastify();
    // jwtGate registered in a child scope only: the guards still set request.user elsewhere.
    void app.register(async (child) => {
      await child.register(jwtGate);
    });
    const seen: unknown[] = [];
    const look = async (request: { user?: unknown }) => {
      seen.push((request.user as { sub?: string } | undefined)?.sub ?? null);
    };
    app.get('/me', { onRequest: [look, requireAuth(auth), look] }, async () => ({ ok: true }));
    const ok = await app.inject({ url: '/me', headers: { authorization: bearer } });
    expect([ok.statusCode, seen]).toEqual([200, [null, 'user-1']]);
    const head = await app.inject({ method: 'HEAD', url: '/me' });
    expect([head.statusCode, head.headers['www-authenticate']]).toEqual([401, 'Bearer realm="api"']);
    expect(seen).toEqual([null, 'user-1', null]);
  });
});

describe('what the guards and the session helpers hand the app: Fastify’s own request', () => {
  const SECRET_32 = 'a-fastify-test-secret-0123456789-abcdef';
  const tokenOf = (request: FastifyRequest): { token: string; source: 'bearer' } | undefined => {
    const { token } = request.query as { token?: unknown };
    return typeof token === 'string' ? { token, source: 'bearer' } : undefined;
  };

  it('getToken and requestId are given the FastifyRequest, in a guard and in a sign-out', async () => {
    const given: unknown[] = [];
    const events: AuthEvent[] = [];
    const queried = createAuth({
      key: hs256(SECRET_32),
      getToken: (request: FastifyRequest) => {
        given.push(request.routeOptions.url);
        return tokenOf(request);
      },
      requestId: (request: FastifyRequest) => request.id,
      onEvent: (event) => void events.push(event),
    });
    const app = Fastify({ genReqId: () => 'req-9' });
    void app.register(jwtGate);
    app.get('/me', { onRequest: requireAuth(queried) }, async (request) => request.auth);
    app.post('/auth/logout', async (_request, reply) => {
      await forFastify.signOut(reply, queried);
      return reply.code(204).send();
    });
    const token = await queried.issue({ sub: 'user-1' });
    expect((await app.inject({ url: '/me', query: { token } })).json()).toMatchObject({ sub: 'user-1' });
    expect((await app.inject({ method: 'POST', url: '/auth/logout', query: { token } })).statusCode).toBe(
      204,
    );
    expect((await app.inject({ url: '/me', query: { token } })).statusCode).toBe(401);
    expect(given).toEqual(['/me', '/auth/logout', '/me']);
    expect(events.find((event) => event.type === 'refused')).toMatchObject({
      code: 'ERR_TOKEN_REVOKED',
      sub: 'user-1',
      requestId: 'req-9',
    });
  });

  it('request.auth holds the claims, as req.auth on Express; the token is authOf(...).token', async () => {
    const app = Fastify();
    void app.register(jwtGate);
    app.get('/me', { onRequest: requireAuth(auth) }, async (request) => ({
      sub: request.auth?.sub,
      token: forFastify.authOf(request, auth).token === validHsToken,
    }));
    expect((await app.inject({ url: '/me', headers: { authorization: bearer } })).json()).toEqual({
      sub: 'user-1',
      token: true,
    });
  });
});

describe('errors: who answers a refusal on Fastify', () => {
  it.each(['express-jwt', 'koa-jwt'])(
    "'%s' shapes errors for that library's handler: a TypeError when the guard is made",
    (style) => {
      for (const make of [requireAuth, optionalAuth])
        expect(() => make(auth, { errors: style as 'forward' })).toThrow(
          new TypeError('jwt-gate/fastify: "errors" must be "respond" or "forward"'),
        );
    },
  );
});

describe('withUser', () => {
  interface Member {
    readonly id: string;
  }
  const members = createAuth({ ...hsOptions, user: (claims): Member => ({ id: String(claims.sub) }) });

  it('hands the handler request.user as the Auth types it, `this` the Fastify instance', async () => {
    const app = Fastify();
    void app.register(jwtGate);
    app.decorate('greeting', 'hello');
    app.get(
      '/me',
      { onRequest: requireAuth(members) },
      forFastify.withUser(members, async function (request) {
        return { id: request.user.id, greeting: (this as unknown as { greeting: string }).greeting };
      }),
    );
    const res = await app.inject({ url: '/me', headers: { authorization: bearer } });
    expect([res.statusCode, res.json()]).toEqual([200, { id: 'user-1', greeting: 'hello' }]);
  });

  it('behind no guard of its Auth, or one that let the request go on anonymously: a 500, the handler never runs', async () => {
    const ran: string[] = [];
    const app = Fastify();
    const seen: string[] = [];
    app.setErrorHandler((err: Error, _request, reply) => {
      seen.push(err.message);
      return reply.code(500).send();
    });
    const handler = forFastify.withUser(members, async (request) => void ran.push(request.user.id));
    app.get('/unguarded', handler);
    app.get('/anonymous', { onRequest: optionalAuth(members) }, handler);
    app.get('/other', { onRequest: requireAuth(auth) }, handler);
    for (const url of ['/unguarded', '/anonymous', '/other'])
      expect(
        (await app.inject({ url, headers: url === '/anonymous' ? {} : { authorization: bearer } }))
          .statusCode,
      ).toBe(500);
    expect(ran).toEqual([]);
    expect(seen).toHaveLength(3);
    for (const message of seen) expect(message).toMatch(/^jwt-gate: /);
  });
});

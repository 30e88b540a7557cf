// A request answered by someone else (a timeout middleware) while the guard waits on a slow key
// provider: the guard must write nothing, run nothing downstream and leave no rejection unhandled.
import { setTimeout as delay } from 'node:timers/promises';
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import Fastify from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import {
  AuthError,
  createAuth,
  hs256,
  isAuthError,
  memoryStore,
  type Auth,
  type BoundKey,
  type KeyProvider,
} from '../../src/index.js';
import { SECRET, handToken } from '../helpers.js';
import { hsOptions, validClaims, validHsToken } from '../hostile-tokens.js';
import { listenerOf } from '../support/fastify.js';
import type { Handler } from './apps.js';

const FIRST_ANSWER_MS = 10;
const KEY_ANSWER_MS = 50;
const TIMED_OUT = { code: 'TIMED_OUT' };
const forged = handToken({ alg: 'HS256', typ: 'JWT' }, validClaims, {
  hmac: 'attacker-secret-0123456789abcdef0123',
});

type KeyAnswer = 'key' | 'outage' | 'failure';

/** An HS256 provider of SECRET that answers every lookup after KEY_ANSWER_MS: the key, a 503, or a crash. */
function slowProvider(answer: KeyAnswer): { provider: KeyProvider; idle: () => Promise<void> } {
  const inner = hs256(SECRET);
  const key = inner.keys?.[0] as BoundKey;
  const pending: Promise<unknown>[] = [];
  const provider: KeyProvider = {
    algorithms: inner.algorithms,
    signingKey: () => key,
    verifyKey: () => {
      const answered = delay(KEY_ANSWER_MS).then(() => {
        if (answer === 'outage') throw new AuthError('ERR_KEYS_UNAVAILABLE');
        if (answer === 'failure') throw new Error('key service down');
        return key;
      });
      pending.push(answered.catch(() => undefined));
      return answered;
    },
  };
  // Lets the guard's continuations after the last answer run, and any unhandled rejection surface.
  const idle = async (): Promise<void> => {
    await Promise.all(pending);
    await delay(30);
  };
  return { provider, idle };
}

interface Seen {
  reached: number;
  /** What reached the app's error handler (Express, Fastify) or `app.on('error')` (Koa). */
  errors: unknown[];
}

interface Host {
  readonly name: string;
  readonly framework: 'express' | 'koa' | 'fastify';
  mount(auth: Auth, seen: Seen): Handler;
}

function expressHost(factory: typeof express5, auth: Auth, seen: Seen): Handler {
  const { requireAuth, optionalAuth, refreshHandler } = forExpress;
  const app = factory();
  app.set('env', 'test');
  // connect-timeout's way: answer 503 after a while and let the chain run on.
  app.use((_req, res, next) => {
    setTimeout(() => {
      if (!res.headersSent) res.status(503).json(TIMED_OUT);
    }, FIRST_ANSWER_MS);
    next();
  });
  const reached = (_req: express5.Request, res: express5.Response): void => {
    seen.reached++;
    res.json({ reached: true });
  };
  app.get('/required', requireAuth(auth), reached);
  app.get('/forward', requireAuth(auth, { errors: 'forward' }), reached);
  app.get('/optional', optionalAuth(auth), reached);
  app.get('/optional-forward', optionalAuth(auth, { errors: 'forward' }), reached);
  app.post('/auth/refresh', refreshHandler(auth));
  app.use((err: unknown, _req: express5.Request, _res: express5.Response, next: express5.NextFunction) => {
    seen.errors.push(err);
    next(err);
  });
  return app;
}

/**
 * `race`: a koa-timeout style middleware answers 503 through Koa while the chain runs on.
 * `raw`: it writes the 503 to `ctx.res` itself and sets `ctx.respond = false`.
 */
function koaHost(Factory: typeof Koa3, style: 'race' | 'raw', auth: Auth, seen: Seen): Handler {
  const { requireAuth, optionalAuth, refreshHandler } = forKoa;
  const app = new Factory();
  app.silent = true;
  app.on('error', (err: unknown) => seen.errors.push(err));
  const reached: Koa3.Middleware = (ctx) => {
    seen.reached++;
    ctx.body = { reached: true };
  };
  const routes: Record<string, Koa3.Middleware[]> = {
    'GET /required': [requireAuth(auth), reached],
    'GET /forward': [requireAuth(auth, { errors: 'forward' }), reached],
    'GET /optional': [optionalAuth(auth), reached],
    'GET /optional-forward': [optionalAuth(auth, { errors: 'forward' }), reached],
    'POST /auth/refresh': [refreshHandler(auth)],
  };
  app.use(async (ctx, next) => {
    if (style === 'race') {
      const timedOut = delay(FIRST_ANSWER_MS).then(() => {
        ctx.status = 503;
        ctx.body = TIMED_OUT;
      });
      await Promise.race([next(), timedOut]);
      return;
    }
    const timer = setTimeout(() => {
      ctx.respond = false;
      ctx.res
        .writeHead(503, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(TIMED_OUT));
    }, FIRST_ANSWER_MS);
    try {
      await next();
    } finally {
      clearTimeout(timer);
    }
  });
  app.use(async (ctx, next) => {
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    const run = (i: number): Promise<void> => Promise.resolve(chain[i]?.(ctx, () => run(i + 1)));
    await run(0);
  });
  return app.callback();
}

function fastifyHost(auth: Auth, seen: Seen): Handler {
  const { jwtGate, requireAuth, optionalAuth, refreshHandler } = forFastify;
  // What Fastify logs is what it reports: a warning for a reply sent twice, an error that came too late.
  const logged = (line: string): void => {
    const { msg, err } = JSON.parse(line) as { msg: string; err?: { message: string } };
    seen.errors.push({ logged: msg, message: err?.message });
  };
  const app = Fastify({ logger: { level: 'warn', stream: { write: logged } } });
  void app.register(jwtGate);
  // A timeout hook's way: answer 503 after a while and let the hooks run on.
  app.addHook('onRequest', (_request, reply, done) => {
    setTimeout(() => {
      if (!reply.sent) void reply.code(503).send(TIMED_OUT);
    }, FIRST_ANSWER_MS);
    done();
  });
  app.setErrorHandler((err, _request, _reply) => {
    seen.errors.push(err);
    throw err;
  });
  const reached = async () => {
    seen.reached++;
    return { reached: true };
  };
  app.get('/required', { onRequest: requireAuth(auth) }, reached);
  app.get('/forward', { onRequest: requireAuth(auth, { errors: 'forward' }) }, reached);
  app.get('/optional', { onRequest: optionalAuth(auth) }, reached);
  app.get('/optional-forward', { onRequest: optionalAuth(auth, { errors: 'forward' }) }, reached);
  app.post('/auth/refresh', refreshHandler(auth));
  return listenerOf(app);
}

const hosts: readonly Host[] = [
  { name: 'Express 5', framework: 'express', mount: (auth, seen) => expressHost(express5, auth, seen) },
  { name: 'Express 4', framework: 'express', mount: (auth, seen) => expressHost(express4, auth, seen) },
  {
    name: 'Koa 3, timeout through Koa',
    framework: 'koa',
    mount: (auth, seen) => koaHost(Koa3, 'race', auth, seen),
  },
  {
    name: 'Koa 3, timeout written to ctx.res',
    framework: 'koa',
    mount: (auth, seen) => koaHost(Koa3, 'raw', auth, seen),
  },
  {
    name: 'Koa 2, timeout through Koa',
    framework: 'koa',
    mount: (auth, seen) => koaHost(Koa2, 'race', auth, seen),
  },
  {
    name: 'Koa 2, timeout written to ctx.res',
    framework: 'koa',
    mount: (auth, seen) => koaHost(Koa2, 'raw', auth, seen),
  },
  { name: 'Fastify 5', framework: 'fastify', mount: fastifyHost },
];

type Credential = 'valid' | 'forged' | 'refresh' | 'forged refresh';

const rows: readonly (readonly [string, 'get' | 'post', string, Credential, KeyAnswer])[] = [
  ['requireAuth, a valid token (the user is let through)', 'get', '/required', 'valid', 'key'],
  ['requireAuth, a forged token (401)', 'get', '/required', 'forged', 'key'],
  ['requireAuth forward, a forged token', 'get', '/forward', 'forged', 'key'],
  ['requireAuth, a provider that crashes', 'get', '/required', 'valid', 'failure'],
  ['optionalAuth, a valid token', 'get', '/optional', 'valid', 'key'],
  ['optionalAuth, a forged token (anonymous)', 'get', '/optional', 'forged', 'key'],
  ['optionalAuth respond, keys unavailable (503)', 'get', '/optional', 'valid', 'outage'],
  ['optionalAuth forward, keys unavailable', 'get', '/optional-forward', 'valid', 'outage'],
  ['refreshHandler, a valid refresh token (204 with cookies)', 'post', '/auth/refresh', 'refresh', 'key'],
  ['refreshHandler, a forged refresh token (401)', 'post', '/auth/refresh', 'forged refresh', 'key'],
  ['refreshHandler, a provider that crashes', 'post', '/auth/refresh', 'refresh', 'failure'],
];

const escaped: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  escaped.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
beforeEach(() => {
  escaped.length = 0;
});

async function credentialFor(auth: Auth, credential: Credential): Promise<[string, string]> {
  if (credential === 'valid') return ['Authorization', `Bearer ${validHsToken}`];
  if (credential === 'forged') return ['Authorization', `Bearer ${forged}`];
  if (credential === 'forged refresh') return ['Cookie', `jwt-refresh=${forged}`];
  const { cookies } = await auth.startSession({ sub: 'user-1' });
  const refresh = cookies.find((c) => c.startsWith('jwt-refresh='))!;
  return ['Cookie', refresh.split(';')[0]!];
}

describe.each(hosts)('$name: the response was sent while the guard waited', ({ mount, framework }) => {
  it.each(rows)('%s', async (_name, method, path, credential, answer) => {
    const slow = slowProvider(answer);
    const auth = createAuth({
      ...hsOptions,
      key: slow.provider,
      store: memoryStore(),
      refresh: { expiresIn: '30d' },
    });
    const seen: Seen = { reached: 0, errors: [] };
    const app = mount(auth, seen);
    const [header, value] = await credentialFor(auth, credential);

    const res = await request(app)[method](path).set(header, value);
    expect(res.status).toBe(503);
    expect(res.body).toEqual(TIMED_OUT);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();

    await slow.idle();
    expect(escaped).toEqual([]);
    expect(seen.reached).toBe(0);
    // An auth decision for a request already answered goes nowhere, not to the app's error handler.
    expect(seen.errors.filter(isAuthError)).toEqual([]);
    // Express has no way to report an error once the response is gone; Koa reports it, flagged headerSent,
    // and Fastify logs it. Nothing is written twice (Fastify would warn "Reply was already sent").
    if (framework === 'express') expect(seen.errors).toEqual([]);
    else if (framework === 'koa')
      for (const err of seen.errors)
        expect(err).toMatchObject({ message: 'key service down', headerSent: true });
    else
      for (const err of seen.errors)
        expect(err).toEqual({
          logged: 'Promise errored, but reply.sent = true was set',
          message: 'key service down',
        });

    // Still serving: a refusal the guard answers before the timeout.
    const next = await request(app).get('/required');
    expect(next.status).toBe(401);
    expect(next.body.code).toBe('ERR_TOKEN_MISSING');
  });
});

describe.each(hosts.filter((host) => host.framework === 'express'))(
  '$name: a throw while writing the answer',
  ({ mount }) => {
    it.each([
      ['requireAuth', 'get', '/required'],
      ['refreshHandler', 'post', '/auth/refresh'],
    ] as const)('%s hands it to the error handler, nothing unhandled', async (_name, method, path) => {
      const seen: Seen = { reached: 0, errors: [] };
      const app = mount(
        createAuth({ ...hsOptions, store: memoryStore(), refresh: { expiresIn: '30d' } }),
        seen,
      ) as express5.Express;
      const broken = new Error('json replacer failed');
      app.set('json replacer', () => {
        throw broken;
      });
      const res = await request(app)[method](path);
      // Express's final handler renders it, keeping the status already set.
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).not.toContain('ERR_TOKEN_MISSING');
      await delay(30);
      expect(escaped).toEqual([]);
      expect(seen.errors).toEqual([broken]);
    });
  },
);

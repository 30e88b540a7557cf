// A session store that cannot answer: every guarded route, the refresh and the sign-out fail closed with a
// 503 ERR_STORE_UNAVAILABLE (failOpen lets reads through, never a refresh), with a broken store and with a
// real Redis that goes away.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, isAuthError, redisStore, type Auth, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import { redisServer } from '../stores/redis-server.js';
import {
  expectRefused,
  logout,
  refreshWith,
  valueOf,
  withBearer,
  withCookie,
  type Session,
} from '../support/sessions.js';
import { redisClients, runRedis } from '../support/store-kinds.js';

const connectClient = redisClients();

describe.each(variants)('$name', (variant) => {
  describe('a store that cannot answer', () => {
    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const broken: SessionStore = { revoke: down, revokeSubject: down, status: down, useOnce: down };
    let session: Session;
    let auth: Auth;
    beforeAll(async () => {
      // Tokens made while the store still answered.
      const healthy = createAuth({ key: hs256(SECRET), refresh: { expiresIn: '30d' } });
      const started = await healthy.startSession({ sub: 'user-1', role: 'member' });
      const cookies = Object.fromEntries(started.cookies.map((c) => [c.split('=')[0]!, valueOf(c)]));
      session = { access: started.token, refresh: cookies['jwt-refresh']!, csrf: '' };
      auth = createAuth({ key: hs256(SECRET), store: broken, refresh: { expiresIn: '30d' } });
    });

    it('every guarded route and the refresh are 503 ERR_STORE_UNAVAILABLE, never a pass or a 401', async () => {
      const app = variant.build(auth);
      const body = {
        error: 'temporarily_unavailable',
        error_description: 'session store unavailable',
        code: 'ERR_STORE_UNAVAILABLE',
      };
      const calls = [
        withCookie(app, session.access),
        withBearer(app, session.access),
        request(app).get('/optional').set('Cookie', `jwt=${session.access}`),
        request(app).post('/write').set('Cookie', `jwt=${session.access}`),
        request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${session.access}`),
        refreshWith(app, session.refresh),
      ];
      for (const call of calls) {
        const res = await call;
        expect(res.status).toBe(503);
        expect(res.body).toEqual(body);
      }
    });

    it('failOpen lets requests through, but a refresh (a write that must be atomic) still fails closed', async () => {
      const open = variant.build(
        createAuth({ key: hs256(SECRET), store: broken, failOpen: true, refresh: { expiresIn: '30d' } }),
      );
      expect((await withCookie(open, session.access)).status).toBe(200);
      expectRefused(await refreshWith(open, session.refresh), 503, 'ERR_STORE_UNAVAILABLE');
    });

    // The sign-out throws the AuthError into the app's own route; the framework renders its 503, and the
    // browser is logged out all the same, each cookie cleared once (Fastify keeps the headers set before).
    it('/auth/logout during an outage is a 503, not a silent 204, and clears each cookie once', async () => {
      const res = await logout(variant.build(auth), session.access);
      expect(res.status).toBe(503);
      const cleared = (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]);
      expect(cleared.sort()).toEqual(['jwt-refresh=', 'jwt=']);
    });
  });
});

describe('the core API: an outage at sign-out', () => {
  // The per-variant `/auth/logout during an outage` rule, on the call every adapter makes.
  it('endSession rejects with ERR_STORE_UNAVAILABLE when the store cannot answer', async () => {
    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const token = await createAuth({ key: hs256(SECRET) }).issue({ sub: 'user-1' });
    const auth = createAuth({
      key: hs256(SECRET),
      store: { revoke: down, revokeSubject: down, status: down, useOnce: down },
    });
    const err = await auth.endSession({ headers: { cookie: `jwt=${token}` } }).revoked.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
  });
});

describe.runIf(runRedis)('a real Redis that goes away', () => {
  const downServer = redisServer();
  const body = {
    error: 'temporarily_unavailable',
    error_description: 'session store unavailable',
    code: 'ERR_STORE_UNAVAILABLE',
  };
  let fast: SessionStore;
  let queued: SessionStore;
  let session: Session;
  beforeAll(async () => {
    await downServer.start();
    const prefix = `attack-down-${process.pid}:`;
    fast = redisStore({ client: await connectClient(downServer.url), prefix, timeoutDuration: 300 });
    // A client that queues commands while disconnected: only timeoutDuration stands between it and a hang.
    queued = redisStore({
      client: await connectClient(downServer.url, { queue: true }),
      prefix,
      timeoutDuration: 300,
    });
    const started = await createAuth({
      key: hs256(SECRET),
      store: fast,
      refresh: { expiresIn: '30d' },
    }).startSession({ sub: 'user-1', role: 'member' });
    session = {
      access: started.token,
      refresh: valueOf(started.cookies.find((c) => c.startsWith('jwt-refresh='))),
      csrf: '',
    };
    await downServer.stop();
  });
  afterAll(async () => {
    await downServer.stop().catch(() => undefined);
  });

  describe.each(variants)('$name', (variant) => {
    it('503 ERR_STORE_UNAVAILABLE on every guarded route and the refresh, with either client; failOpen passes reads only', async () => {
      for (const store of [fast, queued]) {
        const app = variant.build(createAuth({ key: hs256(SECRET), store, refresh: { expiresIn: '30d' } }));
        const calls = [
          withCookie(app, session.access),
          request(app).get('/optional').set('Cookie', `jwt=${session.access}`),
          request(app).post('/write').set('Authorization', `Bearer ${session.access}`),
          request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${session.access}`),
          refreshWith(app, session.refresh),
        ];
        for (const res of await Promise.all(calls)) {
          expect(res.status).toBe(503);
          expect(res.body).toEqual(body);
        }
      }
      const open = variant.build(
        createAuth({ key: hs256(SECRET), store: fast, failOpen: true, refresh: { expiresIn: '30d' } }),
      );
      expect((await withCookie(open, session.access)).status).toBe(200);
      expectRefused(await refreshWith(open, session.refresh), 503, 'ERR_STORE_UNAVAILABLE');
    });

    (variant.name === 'Express 4' ? it.skip : it)(
      '/auth/logout while Redis is down is a 503, not a silent 204',
      async () => {
        const app = variant.build(
          createAuth({ key: hs256(SECRET), store: fast, refresh: { expiresIn: '30d' } }),
        );
        expect((await logout(app, session.access)).status).toBe(503);
      },
    );
  });
});

// Sessions over HTTP: sign-out across instances on one Redis, a Redis outage, CSRF, log out everywhere.
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  memoryStore,
  redisStore,
  type AuthOptions,
  type SessionStore,
} from '../../src/index.js';
import { loginGeneration } from '../../src/session/sign-in.js';
import { variants } from '../adapters/apps.js';
import { SECRET, asSigned } from '../helpers.js';
import { redisAvailable, redisServer } from './redis-server.js';

const server = redisServer();
const clients: { quit(): Promise<unknown> }[] = [];
const runRedis = redisAvailable || Boolean(process.env.CI);

beforeAll(async () => {
  if (runRedis) await server.start();
});
afterAll(async () => {
  for (const client of clients) await client.quit().catch(() => undefined);
  if (runRedis) await server.stop().catch(() => undefined);
});

async function sharedStore(): Promise<ReturnType<typeof redisStore>> {
  const client = createClient({
    url: server.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: () => 100 },
  });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return redisStore({ client, prefix: `sessions-${process.pid}:` });
}

const base: AuthOptions = { key: hs256(SECRET), issuer: 'app' };
const cookieOf = (res: request.Response): string =>
  /^jwt=([^;]*)/.exec((res.headers['set-cookie'] as unknown as string[])[0]!)![1]!;

describe.each(variants)('$name', ({ build }) => {
  describe.runIf(runRedis)('two instances sharing one Redis', () => {
    it('a sign-out on one instance is refused on the other', async () => {
      const a = build(createAuth({ ...base, store: await sharedStore() }));
      const b = build(createAuth({ ...base, store: await sharedStore() }));
      const token = cookieOf(await request(a).post('/login'));
      expect((await request(b).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(200);
      expect((await request(a).post('/auth/logout').set('Cookie', `jwt=${token}`)).status).toBe(204);
      const refused = await request(b).get('/required').set('Cookie', `jwt=${token}`);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('ERR_TOKEN_REVOKED');
    });

    it('Redis stopped mid-run: 503 (never a pass), recovery when it returns; failOpen passes knowingly', async () => {
      const app = build(createAuth({ ...base, store: await sharedStore() }));
      const open = build(createAuth({ ...base, store: await sharedStore(), failOpen: true }));
      const token = cookieOf(await request(app).post('/login'));
      await server.stop();
      try {
        for (const path of ['/required', '/optional']) {
          const res = await request(app).get(path).set('Cookie', `jwt=${token}`);
          expect(res.status, path).toBe(503);
          expect(res.body).toEqual({
            error: 'temporarily_unavailable',
            error_description: 'session store unavailable',
            code: 'ERR_STORE_UNAVAILABLE',
          });
        }
        expect((await request(open).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(200);
      } finally {
        await server.start();
      }
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await request(app).get('/required').set('Cookie', `jwt=${token}`)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    });
  });

  describe('log out everywhere', () => {
    it('ends every session of the user, and a login right after works', async () => {
      const app = build(createAuth({ ...base, store: memoryStore() }));
      const laptop = cookieOf(await request(app).post('/login'));
      const phone = cookieOf(await request(app).post('/login'));
      expect((await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone}`)).status).toBe(
        204,
      );
      for (const token of [laptop, phone]) {
        const res = await request(app).get('/required').set('Cookie', `jwt=${token}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
      }
      const again = cookieOf(await request(app).post('/login'));
      expect((await request(app).get('/required').set('Cookie', `jwt=${again}`)).status).toBe(200);
    });
  });

  describe('CSRF for cookie sessions', () => {
    const app = build(createAuth({ ...base, csrf: { origins: ['https://partner.test'] } }));
    let token = '';
    beforeAll(async () => {
      token = cookieOf(await request(app).post('/login'));
    });

    it.each([
      ['a cross-site Origin', { Origin: 'https://evil.test' }, 403],
      ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.test' }, 403],
      [
        'Sec-Fetch-Site: same-site from a sibling subdomain',
        { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.app.test' },
        403,
      ],
      ['an opaque Origin: null', { Origin: 'null' }, 403],
      ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://evil.test' }, 200],
      ['an Origin matching the Host', { Origin: 'http://app.test', Host: 'app.test' }, 200],
      ['an allowed partner origin', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://partner.test' }, 200],
      ['no Origin and no Sec-Fetch-Site (not a browser)', {}, 200],
    ] as const)('POST with the cookie and %s: %i', async (_name, headers, status) => {
      const res = await request(app).post('/write').set('Cookie', `jwt=${token}`).set(headers);
      expect(res.status).toBe(status);
      if (status === 403) {
        expect(res.body).toEqual({
          error: 'forbidden',
          error_description: 'cross-site request refused',
          code: 'ERR_CSRF',
        });
        expect(res.headers['www-authenticate']).toBeUndefined();
      }
    });

    it('a Bearer request is not subject to it', async () => {
      const res = await request(app)
        .post('/write')
        .set('Authorization', `Bearer ${token}`)
        .set('Origin', 'https://evil.test');
      expect(res.status).toBe(200);
    });

    it('safe methods are not subject to it', async () => {
      const res = await request(app)
        .get('/required')
        .set('Cookie', `jwt=${token}`)
        .set('Origin', 'https://evil.test');
      expect(res.status).toBe(200);
    });

    it('csrf: false turns it off', async () => {
      const off = build(createAuth({ ...base, csrf: false }));
      const res = await request(off)
        .post('/write')
        .set('Cookie', `jwt=${token}`)
        .set('Origin', 'https://evil.test');
      expect(res.status).toBe(200);
    });
  });

  describe('CSRF signed double submit', () => {
    const app = build(createAuth({ ...base, csrf: { header: 'x-csrf-token' } }));

    it('signIn sets a readable csrf cookie bound to the session; unsafe cookie requests must echo it', async () => {
      const login = await request(app).post('/login');
      const cookies = login.headers['set-cookie'] as unknown as string[];
      expect(cookies).toHaveLength(2);
      expect(cookies[0]).toContain('HttpOnly');
      expect(asSigned(cookies[1], 3600)).toMatch(/^csrf=[\w-]{22}; Max-Age=3600; Path=\/; SameSite=Lax$/);
      const token = cookieOf(login);
      const csrf = /^csrf=([^;]*)/.exec(cookies[1]!)![1]!;
      const post = (value?: string): request.Test => {
        const call = request(app).post('/write').set('Cookie', `jwt=${token}; csrf=${csrf}`);
        return value === undefined ? call : call.set('x-csrf-token', value);
      };
      expect((await post()).status).toBe(403);
      expect((await post('forged-value-000000000')).status).toBe(403);
      expect((await post(csrf)).status).toBe(200);
      expect((await request(app).post('/write').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    });

    it('signOut clears both cookies', async () => {
      const cookies = (await request(app).post('/auth/logout')).headers['set-cookie'] as unknown as string[];
      expect(cookies.map((c) => c.split('=')[0])).toEqual(['jwt', 'csrf']);
      for (const cookie of cookies) expect(cookie).toContain('Max-Age=0');
    });
  });
});

describe('a login right after a full memory store raised its floor', () => {
  it('waits until the wall clock passes the floor, even when timers run ahead of it', async () => {
    const start = Date.now();
    // A wall clock running 10 % slow against the timers: one timer of the computed wait ends early.
    const now = (): number => start + (Date.now() - start) * 0.9;
    const floor = Math.floor(start / 1000) + 0.999;
    const store = {
      status: async () => ({ revoked: false, notBefore: undefined, floor, generation: 3 }),
    } as unknown as SessionStore;
    expect(await loginGeneration(store, 'user-1', now)).toBe(3);
    expect(Math.floor(now() / 1000)).toBeGreaterThanOrEqual(Math.ceil(floor));
  });
});

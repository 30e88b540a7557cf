// Refresh tokens: rotation, reuse detection that ends the whole login, and one winner among racers.
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
import { SECRET, asSigned } from '../helpers.js';
import { redisAvailable, sharedRedisServer } from '../stores/redis-server.js';
import { variants } from './apps.js';

const runRedis = redisAvailable || Boolean(process.env.CI);
const server = sharedRedisServer();
const clients: { quit(): Promise<unknown> }[] = [];
beforeAll(async () => {
  if (runRedis) await server.start();
});
afterAll(async () => {
  for (const client of clients) await client.quit().catch(() => undefined);
  if (runRedis) await server.stop();
});

let stores = 0;
async function onRedis(): Promise<SessionStore> {
  const client = createClient({ url: server.url, disableOfflineQueue: true });
  await client.connect();
  clients.push(client);
  return redisStore({ client, prefix: `refresh-${process.pid}-${++stores}:` });
}

const storeKinds: [string, () => Promise<SessionStore>][] = [
  ['memory', async () => memoryStore()],
  ...(runRedis ? [['redis', onRedis] as [string, () => Promise<SessionStore>]] : []),
];
const cookiesOf = (res: request.Response): Record<string, string> =>
  Object.fromEntries(
    ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => [c.split('=')[0]!, c]),
  );
const valueOf = (cookie: string | undefined): string => /^[^=]+=([^;]*)/.exec(cookie ?? '')![1]!;

describe.each(storeKinds)('%s store', (_kind, makeStore) => {
  let store: SessionStore;
  beforeAll(async () => {
    store = await makeStore();
  });
  const options = (): AuthOptions => ({
    key: hs256(SECRET),
    expiresIn: '15m',
    store,
    refresh: { expiresIn: '30d' },
  });

  describe.each(variants)('$name', ({ build }) => {
    async function signedIn(
      app: ReturnType<typeof build>,
    ): Promise<{ access: string; refresh: string; cookies: Record<string, string> }> {
      const cookies = cookiesOf(await request(app).post('/login'));
      return { access: valueOf(cookies.jwt), refresh: valueOf(cookies['jwt-refresh']), cookies };
    }
    const refresh = (app: ReturnType<typeof build>, token: string): request.Test =>
      request(app).post('/auth/refresh').set('Cookie', `jwt-refresh=${token}`);

    it('signIn sets a long-lived refresh cookie scoped to the refresh path', async () => {
      const { cookies } = await signedIn(build(createAuth(options())));
      expect(cookies['jwt-refresh']).toMatch(
        /^jwt-refresh=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=2592000; Path=\/auth; HttpOnly; SameSite=Strict$/,
      );
      expect(asSigned(cookies.jwt, 900)).toMatch(/; Max-Age=900; Path=\/; HttpOnly; SameSite=Lax$/);
    });

    it('rotates: a new access and refresh token; the old refresh token used again ends the whole login', async () => {
      const app = build(createAuth(options()));
      const first = await signedIn(app);
      const rotated = await refresh(app, first.refresh);
      expect(rotated.status).toBe(204);
      const next = cookiesOf(rotated);
      const access = valueOf(next.jwt);
      const second = valueOf(next['jwt-refresh']);
      expect(second).not.toBe(first.refresh);
      expect((await request(app).get('/required').set('Cookie', `jwt=${access}`)).status).toBe(200);

      const reused = await refresh(app, first.refresh);
      expect(reused.status).toBe(401);
      expect(reused.body.code).toBe('ERR_TOKEN_REVOKED');
      // The family is dead: the rotated refresh token and every access token of the login are refused.
      expect((await refresh(app, second)).body.code).toBe('ERR_TOKEN_REVOKED');
      for (const token of [access, first.access]) {
        const res = await request(app).get('/required').set('Cookie', `jwt=${token}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
      }
    });

    it('50 concurrent refreshes with one token: exactly one succeeds', async () => {
      const app = build(createAuth(options()));
      const { refresh: token } = await signedIn(app);
      const results = await Promise.all(Array.from({ length: 50 }, () => refresh(app, token)));
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(49);
    });

    it('keeps the two kinds of token apart', async () => {
      const app = build(createAuth(options()));
      const { access, refresh: token } = await signedIn(app);
      const asAccess = await request(app).get('/required').set('Authorization', `Bearer ${token}`);
      expect(asAccess.status).toBe(401);
      expect(asAccess.body.code).toBe('ERR_CLAIM_INVALID');
      expect((await refresh(app, access)).body.code).toBe('ERR_CLAIM_INVALID');
      expect((await request(app).post('/auth/refresh')).body.code).toBe('ERR_TOKEN_MISSING');
    });

    it('sign-out ends the login: its refresh token no longer works, and the cookie is cleared', async () => {
      const app = build(createAuth(options()));
      const { access, refresh: token } = await signedIn(app);
      const out = await request(app).post('/auth/logout').set('Cookie', `jwt=${access}`);
      expect(cookiesOf(out)['jwt-refresh']).toMatch(/^jwt-refresh=; Max-Age=0; Path=\/auth;/);
      expect((await refresh(app, token)).body.code).toBe('ERR_TOKEN_REVOKED');
    });

    it('refuses refresh without a store, at createAuth', () => {
      expect(() => createAuth({ ...options(), store: false })).toThrow(/"refresh"/);
    });
  });
});

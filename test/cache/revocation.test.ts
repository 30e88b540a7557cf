// Revocation while cached: a signed-out token is refused at once, on this instance and on another one.
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, redisStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW_MS, SECRET, fixedNow } from '../helpers.js';
import { redisAvailable, redisServer } from '../stores/redis-server.js';
import { claims, hsToken, verdict } from '../support/cache.js';

describe('revocation while cached', () => {
  it('concurrent verifications of one token while it is revoked: every one started after the revoke is refused', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow });
    const token = hsToken({ ...claims, jti: 'j-race' });
    const c = await auth.verify(token);
    const before = Array.from({ length: 10 }, () => verdict(auth.verify(token)));
    const revoking = auth.revoke(c);
    const during = Array.from({ length: 10 }, () => verdict(auth.verify(token)));
    await revoking;
    const after = Array.from({ length: 20 }, () => verdict(auth.verify(token)));
    const results = await Promise.all([...before, ...during, ...after]);
    expect(results.slice(20)).toEqual(Array(20).fill('ERR_TOKEN_REVOKED'));
    for (const r of results) expect(['ok', 'ERR_TOKEN_REVOKED']).toContain(r);
  });

  describe.each(variants)('$name, cache on', ({ build }) => {
    const cookieOf = (res: request.Response): string =>
      /^jwt=([^;]*)/.exec((res.headers['set-cookie'] as unknown as string[])[0]!)![1]!;

    it('a signed-out token is 401 at once, as cookie and as Bearer, though it was cached', async () => {
      let clock = NOW_MS + 500;
      const app = build(createAuth({ key: hs256(SECRET), now: () => clock, cache: { max: 10 } }));
      const token = cookieOf(await request(app).post('/login'));
      for (let i = 0; i < 3; i++) {
        expect((await request(app).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(200);
        expect((await request(app).get('/required').set('Authorization', `Bearer ${token}`)).status).toBe(
          200,
        );
      }
      clock += 100;
      expect((await request(app).post('/auth/logout').set('Cookie', `jwt=${token}`)).status).toBe(204);
      for (const res of [
        await request(app).get('/required').set('Cookie', `jwt=${token}`),
        await request(app).get('/required').set('Authorization', `Bearer ${token}`),
        await request(app).get('/optional').set('Authorization', `Bearer ${token}`),
      ]) {
        expect(res.body.code ?? res.body.authError).toBe('ERR_TOKEN_REVOKED');
      }
    });

    it('log out everywhere: every device’s cached token is 401 at once', async () => {
      let clock = NOW_MS + 500;
      const app = build(createAuth({ key: hs256(SECRET), now: () => clock }));
      const phone = cookieOf(await request(app).post('/login'));
      clock += 10;
      const laptop = cookieOf(await request(app).post('/login'));
      for (const t of [phone, laptop, phone, laptop])
        expect((await request(app).get('/required').set('Authorization', `Bearer ${t}`)).status).toBe(200);
      clock += 1000;
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${phone}`)).status,
      ).toBe(204);
      for (const t of [phone, laptop]) {
        const res = await request(app).get('/required').set('Authorization', `Bearer ${t}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
      }
    });
  });

  describe.runIf(redisAvailable)('two instances on one Redis', () => {
    const server = redisServer();
    const clients: { quit(): Promise<unknown> }[] = [];
    beforeAll(async () => {
      await server.start();
    });
    afterAll(async () => {
      for (const client of clients) await client.quit().catch(() => undefined);
      await server.stop().catch(() => undefined);
    });
    const shared = async (nearCache: false | undefined): Promise<ReturnType<typeof redisStore>> => {
      const client = createClient({ url: server.url, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      const store = redisStore({
        client,
        prefix: `cache-attack-${process.pid}:`,
        ...(nearCache === false ? { nearCache } : {}),
      });
      clients.push({ quit: async () => store.close() });
      return store;
    };

    // Without a near cache B asks Redis every time; with one, B is current to within its staleness (100 ms).
    it.each([
      ['no near cache', false, 0],
      ['the default near cache', undefined, 100],
    ] as const)(
      '%s: B has the token cached and under load when A signs it out: every request after the bound is refused',
      async (_name, nearCache, bound) => {
        const a = createAuth({ key: hs256(SECRET), store: await shared(nearCache) });
        const b = createAuth({ key: hs256(SECRET), store: await shared(nearCache) });
        const { token } = await a.startSession({ sub: 'redis-user' });
        const c = await b.verify(token);
        await b.verify(token);
        const during = Array.from({ length: 20 }, () => verdict(b.verify(token)));
        await a.endSession({ headers: { authorization: `Bearer ${token}` } }, { claims: c }).revoked;
        const revokedAt = performance.now();
        if (bound > 0)
          await new Promise((resolve) => setTimeout(resolve, bound + 1 - (performance.now() - revokedAt)));
        const after = await Promise.all(Array.from({ length: 20 }, () => verdict(b.verify(token))));
        expect(after).toEqual(Array(20).fill('ERR_TOKEN_REVOKED'));
        for (const r of await Promise.all(during)) expect(['ok', 'ERR_TOKEN_REVOKED']).toContain(r);
      },
    );
  });
});

// Sign-out ends the login whatever cookies the browser still sends, and never takes the process down.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import {
  DAY,
  cookiesOf,
  expectRefused,
  login,
  refreshWith,
  sessionApp,
  sessionOf,
  withBearer,
  withCookie,
} from '../support/sessions.js';

// An unhandled rejection would end a real process; here it is collected and must not happen.
const escaped: unknown[] = [];
const collect = (reason: unknown): void => void escaped.push(reason);
beforeEach(() => {
  escaped.length = 0;
  process.on('unhandledRejection', collect);
});
afterEach(() => {
  process.off('unhandledRejection', collect);
});
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

const failingWrites = (inner: SessionStore): SessionStore => ({
  status: (ids, sub) => inner.status(ids, sub),
  useOnce: (id, until, sub) => inner.useOnce(id, until, sub),
  revoke: () => Promise.reject(new Error('store down')),
  revokeSubject: () => Promise.reject(new Error('store down')),
});

describe.each(variants)('$name', (variant) => {
  it('20 idle minutes after the access token expired, the browser sends only the refresh cookie: sign-out still ends the login', async () => {
    const { app, at } = sessionApp(variant);
    const s = await login(app);
    at(20 * 60);
    const out = await request(app).post('/auth/logout').set('Cookie', `jwt-refresh=${s.refresh}`);
    expect(out.status).toBe(204);
    expect(cookiesOf(out)['jwt-refresh']).toMatch(/^jwt-refresh=; Max-Age=0; Path=\/auth;/);
    expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
  });

  it('log out everywhere with only the refresh cookie ends every device’s login', async () => {
    const { app, at } = sessionApp(variant);
    const laptop = await login(app);
    const phone = await login(app);
    at(20 * 60);
    expect(
      (await request(app).post('/auth/logout-all').set('Cookie', `jwt-refresh=${phone.refresh}`)).status,
    ).toBe(204);
    expectRefused(await refreshWith(app, laptop.refresh), 401, 'ERR_TOKEN_REVOKED');
    expectRefused(await refreshWith(app, phone.refresh), 401, 'ERR_TOKEN_REVOKED');
  });

  it('a 90-day “remember me” login: signed out on day 40 with its latest cookies, its first token is refused to the end', async () => {
    const { auth, app, at } = sessionApp(variant);
    const started = await auth.startSession({ sub: 'user-1', role: 'member' }, { expiresIn: '90d' });
    const first = started.token;
    const refresh = /^jwt-refresh=([^;]+); Max-Age=(\d+)/.exec(
      started.cookies.find((c) => c.startsWith('jwt-refresh='))!,
    )!;
    expect(Number(refresh[2])).toBe(90 * DAY);
    at(DAY);
    const rotated = await refreshWith(app, refresh[1]!);
    expect(rotated.status).toBe(204);
    at(40 * DAY);
    expect(
      (
        await request(app)
          .post('/auth/logout')
          .set('Cookie', `jwt-refresh=${sessionOf(rotated).refresh}`)
      ).status,
    ).toBe(204);
    for (const day of [41, 89]) {
      at(day * DAY);
      expectRefused(await withBearer(app, first), 401, 'ERR_TOKEN_REVOKED');
    }
  });

  it('a forged or foreign refresh cookie at sign-out revokes nothing', async () => {
    const { app, at } = sessionApp(variant);
    const victim = await login(app);
    const other = createAuth({ key: hs256(`${SECRET}-other-0123`), refresh: { expiresIn: '30d' } });
    const foreign = (await other.startSession({ sub: 'user-1' })).cookies.find((c) =>
      c.startsWith('jwt-refresh='),
    )!;
    const [h, p] = victim.refresh.split('.') as [string, string];
    for (const token of [
      foreign.slice('jwt-refresh='.length, foreign.indexOf(';')),
      `${h}.${p}.AAAA`,
      victim.access,
    ]) {
      expect((await request(app).post('/auth/logout-all').set('Cookie', `jwt-refresh=${token}`)).status).toBe(
        204,
      );
    }
    at(60);
    expect((await refreshWith(app, victim.refresh)).status).toBe(204);
  });

  it('sign-out routed outside refresh.path is refused loudly, at the first sign-out', async () => {
    const { app } = sessionApp(variant);
    const s = await login(app);
    expect((await request(app).post('/logout').set('Cookie', `jwt=${s.access}`)).status).toBe(500);
    expect((await withCookie(app, s.access)).status).toBe(200);
    // Without refresh tokens, any route will do.
    const plain = sessionApp(variant, { refresh: false });
    const t = await login(plain.app);
    expect((await request(plain.app).post('/logout').set('Cookie', `jwt=${t.access}`)).status).toBe(204);
    expectRefused(await withCookie(plain.app, t.access), 401, 'ERR_TOKEN_REVOKED');
  });

  it('signOut not awaited: the browser is logged out, the login revoked, and nothing escapes', async () => {
    const { app } = sessionApp(variant);
    const s = await login(app);
    const out = await request(app)
      .post('/auth/logout-unawaited')
      .set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`);
    expect(out.status).toBe(204);
    expect(Object.keys(cookiesOf(out)).sort()).toEqual(['jwt', 'jwt-refresh']);
    await settle();
    expectRefused(await withCookie(app, s.access), 401, 'ERR_TOKEN_REVOKED');
    expect(escaped).toEqual([]);
  });

  it('signOut not awaited while the store is down: cookies cleared, the process lives on', async () => {
    const { app } = sessionApp(variant, {}, (now) => failingWrites(memoryStore({ now })));
    const s = await login(app);
    const out = await request(app)
      .post('/auth/logout-unawaited')
      .set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`);
    expect(out.status).toBe(204);
    expect(cookiesOf(out).jwt).toMatch(/^jwt=; Max-Age=0;/);
    await settle();
    expect(escaped).toEqual([]);
  });

  it('signOut awaited while the store is down: 503, and the cookies are cleared all the same', async () => {
    const { app } = sessionApp(variant, {}, (now) => failingWrites(memoryStore({ now })));
    const s = await login(app);
    const out = await request(app)
      .post('/auth/logout')
      .set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`);
    // The rejection reaches the app's own route; the framework renders its 503.
    expect(out.status).toBe(503);
    expect(cookiesOf(out).jwt).toMatch(/^jwt=; Max-Age=0;/);
    await settle();
    expect(escaped).toEqual([]);
  });
});

describe('the core API', () => {
  it('endSession hands the clearing cookies over before the revocation settles', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = memoryStore();
    const slow: SessionStore = {
      ...inner,
      status: (ids, sub) => inner.status(ids, sub),
      useOnce: (i, u, s) => inner.useOnce(i, u, s),
      revokeSubject: (s, n, u) => inner.revokeSubject(s, n, u),
      revoke: async (id, until, sub) => {
        await gate;
        return inner.revoke(id, until, sub);
      },
    };
    const auth = createAuth({ key: hs256(SECRET), store: slow });
    const token = await auth.issue({ sub: 'user-1' });
    const ended = auth.endSession({ headers: { cookie: `jwt=${token}` } });
    expect(ended.cookies[0]).toMatch(/^jwt=; Max-Age=0;/);
    let done = false;
    void ended.revoked.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    release();
    await ended.revoked;
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

// Sliding renewal, all of it: an active user's cookie is renewed past half its life, until maxAge after
// login; never a Bearer token, a revoked token, the request's claims or a token a custom getToken found
// elsewhere than the cookie, and a sign-out or a revocation that lands meanwhile still wins.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore, type AuthOptions, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW, NOW_MS, SECRET } from '../helpers.js';
import {
  DAY,
  cookieOf,
  cookiesOf,
  expectRefused,
  fromQueryOrCookie,
  login,
  logout,
  payloadOf,
  sessionApp,
  sessionOf,
  sessionOn,
  setCookies,
  valueOf,
  withCookie,
  withoutManaged,
} from '../support/sessions.js';
import { storeKinds } from '../support/store-kinds.js';

const { kinds } = storeKinds();
const tokenIn = (cookie: string): string => /^jwt=([^;]*)/.exec(cookie)![1]!;

describe.each(variants)('$name', ({ build }) => {
  let clock = NOW_MS;
  const options: AuthOptions = {
    key: hs256(SECRET),
    expiresIn: '1h',
    renew: { after: 0.5, maxAge: '3h' },
    now: () => clock,
  };
  const app = build(createAuth(options));
  const login = async (): Promise<string> => {
    clock = NOW_MS;
    return tokenIn(setCookies(await request(app).post('/login'))[0]!);
  };
  const visit = (token: string, minutes: number): request.Test => {
    clock = NOW_MS + minutes * 60_000;
    return request(app).get('/required').set('Cookie', `jwt=${token}`);
  };

  it('sets no new cookie before half the lifetime', async () => {
    const token = await login();
    expect(payloadOf(token)).toMatchObject({ auth_time: NOW, iat: NOW, exp: NOW + 3600 });
    const res = await visit(token, 29);
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
  });

  it('renews past half the lifetime, keeping the login time', async () => {
    const token = await login();
    const res = await visit(token, 31);
    expect(res.status).toBe(200);
    const [cookie] = setCookies(res);
    expect(cookie).toMatch(/; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    const renewed = payloadOf(tokenIn(cookie!));
    expect(renewed).toMatchObject({
      sub: 'user-1',
      role: 'member',
      auth_time: NOW,
      iat: NOW + 31 * 60,
      exp: NOW + 31 * 60 + 3600,
    });
    expect(renewed.jti).not.toBe(payloadOf(token).jti);
  });

  it('ends the last renewal at maxAge after login, then renews no more', async () => {
    let token = await login();
    for (const minutes of [40, 80, 120]) {
      const [cookie] = setCookies(await visit(token, minutes));
      token = tokenIn(cookie!);
    }
    // Renewed at 120 min for its full hour, which ends exactly 3 h after login.
    expect(payloadOf(token)).toMatchObject({ auth_time: NOW, iat: NOW + 120 * 60, exp: NOW + 180 * 60 });
    const late = await visit(token, 160);
    expect(late.status).toBe(200);
    expect(setCookies(late)).toEqual([]);
    // At its exp it is still taken, within the default clockTolerance (1 s), and never renewed; then refused.
    const edge = await visit(token, 180);
    expect(edge.status).toBe(200);
    expect(setCookies(edge)).toEqual([]);
    clock = NOW_MS + 180 * 60_000 + 1000;
    expect((await request(app).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(401);
  });

  it('caps a renewal at maxAge after login', async () => {
    const short = build(createAuth({ ...options, renew: { maxAge: '90m' } }));
    clock = NOW_MS;
    const token = tokenIn(setCookies(await request(short).post('/login'))[0]!);
    clock = NOW_MS + 40 * 60_000;
    const [cookie] = setCookies(await request(short).get('/required').set('Cookie', `jwt=${token}`));
    expect(cookie).toContain('; Max-Age=3000;');
    expect(payloadOf(tokenIn(cookie!))).toMatchObject({ auth_time: NOW, exp: NOW + 90 * 60 });
  });

  it('never renews a Bearer token: the client that holds it manages it', async () => {
    const token = await login();
    clock = NOW_MS + 31 * 60_000;
    const res = await request(app).get('/required').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
  });

  it('refuses a renew set-up it cannot honour, at createAuth', () => {
    expect(() => createAuth({ ...options, renew: { after: 1.5, maxAge: '3h' } })).toThrow(/"renew.after"/);
    expect(() => createAuth({ ...options, renew: {} as never })).toThrow(/"renew.maxAge"/);
  });
});

describe.each(variants)('$name, attacked', (variant) => {
  it('log out everywhere landing while a renewal is signed: no renewed cookie, and the request is refused', async () => {
    let land: (() => Promise<void>) | undefined;
    const racing = (now: () => number): SessionStore => {
      const inner = memoryStore({ now });
      return {
        revoke: (id, until, sub) => inner.revoke(id, until, sub),
        revokeSubject: (sub, notBefore, until) => inner.revokeSubject(sub, notBefore, until),
        useOnce: (id, until, sub) => inner.useOnce(id, until, sub),
        // Answers as of now, then lets the revocation land before the renewal goes on.
        status: async (ids, sub) => {
          const answer = await inner.status(ids, sub);
          const landing = land;
          land = undefined;
          await landing?.();
          return answer;
        },
      };
    };
    const { auth, app, at, now } = sessionApp(
      variant,
      { expiresIn: '1h', refresh: false, renew: { maxAge: '12h' } },
      racing,
    );
    const s = await login(app);
    at(40 * 60 + 0.5);
    // "Log out everywhere" half a second into this second; the renewed token is signed in the next.
    land = async () => {
      await auth.revokeSubject('user-1');
      at(40 * 60 + 1);
    };
    const res = await withCookie(app, s.access);
    expectRefused(res, 401, 'ERR_TOKEN_REVOKED');
    expect(cookiesOf(res).jwt).toBeUndefined();
    expect(now()).toBe(NOW_MS + (40 * 60 + 1) * 1000);
  });

  it('a renewal with nothing landing still works, and the renewed token passes', async () => {
    const { app, at } = sessionApp(variant, { expiresIn: '1h', refresh: false, renew: { maxAge: '12h' } });
    const s = await login(app);
    at(40 * 60);
    const res = await withCookie(app, s.access);
    expect(res.status).toBe(200);
    const renewed = valueOf(cookiesOf(res).jwt);
    expect(renewed).not.toBe('');
    expect((await request(app).get('/required').set('Cookie', `jwt=${renewed}`)).status).toBe(200);
  });

  describe('the login time and the claims a renewal carries', () => {
    // A token without auth_time counts maxAge from its iat, and every renewal carries that login time on.
    it('a cookie token without auth_time is not renewed past maxAge after its issue', async () => {
      const { auth, app, at } = sessionApp(variant, {
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '3h' },
      });
      let token = await auth.issue({ sub: 'user-1', role: 'member' });
      for (const minutes of [40, 80, 120, 160]) {
        at(minutes * 60);
        const res = await withCookie(app, token);
        expect(res.status).toBe(200);
        const renewed = valueOf(cookiesOf(res).jwt);
        if (renewed !== '') token = renewed;
      }
      expect(payloadOf(token).exp).toBeLessThanOrEqual(NOW + 3 * 3600);
      at(3 * 3600 + 60);
      expectRefused(await withCookie(app, token), 401, 'ERR_TOKEN_EXPIRED');
    });

    it('renewal copies the token’s claims only, never the request’s, and never renews a revoked token', async () => {
      const { app, at } = sessionApp(variant, {
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '3h' },
        csrf: { header: 'x-csrf-token' },
      });
      const s = await login(app);
      at(40 * 60);
      const res = await request(app)
        .post('/write')
        .query({ role: 'admin' })
        .set('Cookie', `jwt=${s.access}`)
        .set('x-csrf-token', s.csrf)
        .set('Content-Type', 'application/json')
        .send({ role: 'admin', auth_time: NOW + 40 * 60, exp: NOW + 365 * DAY });
      expect(res.status).toBe(200);
      const renewed = sessionOf(res);
      expect(withoutManaged(payloadOf(renewed.access))).toEqual(withoutManaged(payloadOf(s.access)));
      expect(payloadOf(renewed.access)).toMatchObject({
        auth_time: NOW,
        iat: NOW + 40 * 60,
        exp: NOW + 100 * 60,
      });
      expect(renewed.csrf).toBe(s.csrf);
      expect((await logout(app, renewed.access).set('x-csrf-token', s.csrf)).status).toBe(204);
      const refused = await withCookie(app, renewed.access);
      expectRefused(refused, 401, 'ERR_TOKEN_REVOKED');
      expect(setCookies(refused)).toEqual([]);
    });
  });

  describe('with a custom getToken', () => {
    const renewing = {
      getToken: fromQueryOrCookie,
      expiresIn: '1h',
      refresh: false,
      renew: { maxAge: '12h' },
    } as const;

    it('a link with an attacker’s token past half its life: the victim’s browser gets no session cookie', async () => {
      const { app, auth, at } = sessionApp(variant, renewing);
      const mallory = await auth.issue({ sub: 'mallory' });
      at(50 * 60);
      const res = await request(app).get(`/optional?token=${mallory}`);
      expect(res.status).toBe(200);
      expect(cookiesOf(res).jwt).toBeUndefined();
    });

    it('the same getToken reading the session cookie: the cookie is renewed, as the built-in cookie is', async () => {
      const { app, at } = sessionApp(variant, renewing);
      const s = await login(app);
      at(50 * 60);
      const res = await request(app).get('/required').set('Cookie', `jwt=${s.access}`);
      expect(res.status).toBe(200);
      expect(cookiesOf(res).jwt).toMatch(/^jwt=ey/);
    });

    it('getToken returning a string from the cookie: sliding renewal goes on as for the built-in cookie', async () => {
      const { app, at } = sessionApp(variant, {
        getToken: cookieOf,
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '12h' },
      });
      const s = await login(app);
      at(50 * 60);
      const late = await request(app).get('/required').set('Cookie', `jwt=${s.access}`);
      expect(late.status).toBe(200);
      expect(cookiesOf(late).jwt).toMatch(/^jwt=ey/);
    });
  });

  describe.each(kinds)('$name store', (kind) => {
    // Sign-out ends the whole login, not only its latest renewed token, with or without `refresh`.
    it('sign-out also ends the tokens the session had before a sliding renewal', async () => {
      const { app, at } = sessionOn(variant, kind, {
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '12h' },
      });
      const before = (await login(app)).access;
      at(40 * 60);
      const renewed = await withCookie(app, before);
      expect(renewed.status).toBe(200);
      const after = valueOf(cookiesOf(renewed).jwt);
      expect(after).not.toBe('');
      expect((await logout(app, after)).status).toBe(204);
      expectRefused(await withCookie(app, after), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withCookie(app, before), 401, 'ERR_TOKEN_REVOKED');
    });
  });
});

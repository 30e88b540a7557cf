// Cookie tossing: a sibling subdomain sets `jwt` or `jwt-refresh` for the whole site (Domain=) with a longer
// Path, and the browser sends that one first. A request carrying a session or refresh cookie twice is never
// settled by picking one; sign-out ends every login among them; a __Host- refresh cookie cannot be tossed.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type Auth } from '../../src/index.js';
import type { Handler } from '../adapters/apps.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import {
  DAY,
  cookieOf,
  expectRefused,
  payloadOf,
  refreshWith,
  sessionApp,
  setCookies,
  valueOf,
  withBearer,
  withCookie,
} from '../support/sessions.js';

const SIBLING = 'Domain=app.example; Secure';

/** The cookies of a login of `sub` made by `auth` itself: what the attacker holds of their own account. */
async function loginOf(auth: Auth, sub: string): Promise<{ access: string; refresh: string }> {
  const { token, cookies } = await auth.startSession({ sub });
  return { access: token, refresh: valueOf(cookies.find((c) => c.startsWith('jwt-refresh='))) };
}

/** A request the page sends to `path` with the jar's cookies. */
function send(app: Handler, jar: CookieJar, method: 'get' | 'post', path: string): request.Test {
  return request(app)[method](path).set('Cookie', jar.header(path)).set('Sec-Fetch-Site', 'same-origin');
}

async function victimOf(app: Handler, jar: CookieJar): Promise<{ access: string; refresh: string }> {
  const res = await request(app).post('/login');
  expect(res.status).toBe(204);
  jar.receive(setCookies(res), '/login');
  return { access: jar.values('jwt')[0]!, refresh: jar.values('jwt-refresh')[0]! };
}

describe.each(variants)('$name', (variant) => {
  describe('a refresh cookie planted at /auth/logout', () => {
    it.each([
      ['the attacker’s own refresh token', true],
      ['a value that is no token', false],
    ])(
      '%s: sign-out after the access cookie expired still ends the real login',
      async (_name, attackerToken) => {
        const { auth, app, at, now } = sessionApp(variant);
        const jar = new CookieJar(now);
        const victim = await victimOf(app, jar);
        const attacker = await loginOf(auth, 'attacker');
        const planted = attackerToken ? attacker.refresh : 'not-a-token';
        expect(jar.plant(`jwt-refresh=${planted}; Path=/auth/logout; ${SIBLING}`)).toBe(true);
        at(20 * 60);
        // Browser order: the longer path first.
        expect(jar.header('/auth/logout')).toBe(`jwt-refresh=${planted}; jwt-refresh=${victim.refresh}`);
        const out = await send(app, jar, 'post', '/auth/logout');
        expect(out.status).toBe(204);
        expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
        // Every verifiable token among them is ended: the planted one too.
        if (attackerToken) expectRefused(await refreshWith(app, attacker.refresh), 401, 'ERR_TOKEN_REVOKED');
      },
    );

    it('log out everywhere with a planted refresh cookie still ends the victim’s other devices', async () => {
      const { auth, app, at, now } = sessionApp(variant);
      const jar = new CookieJar(now);
      const laptop = await victimOf(app, jar);
      const phone = await loginOf(auth, 'user-1');
      jar.plant(
        `jwt-refresh=${(await loginOf(auth, 'attacker')).refresh}; Path=/auth/logout-all; ${SIBLING}`,
      );
      at(20 * 60);
      expect((await send(app, jar, 'post', '/auth/logout-all')).status).toBe(204);
      expectRefused(await refreshWith(app, laptop.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, phone.refresh), 401, 'ERR_TOKEN_REVOKED');
    });

    it('beside a planted session cookie too, while the access cookie lives: every login among them ends', async () => {
      const { auth, app, now } = sessionApp(variant);
      const jar = new CookieJar(now);
      const victim = await victimOf(app, jar);
      const attacker = await loginOf(auth, 'attacker');
      jar.plant(`jwt=${attacker.access}; Path=/auth/logout; ${SIBLING}`);
      jar.plant(`jwt-refresh=${attacker.refresh}; Path=/auth/logout; ${SIBLING}`);
      expect(jar.header('/auth/logout')).toBe(
        `jwt=${attacker.access}; jwt-refresh=${attacker.refresh}; jwt-refresh=${victim.refresh}; jwt=${victim.access}`,
      );
      expect((await send(app, jar, 'post', '/auth/logout')).status).toBe(204);
      expectRefused(await withBearer(app, victim.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withBearer(app, attacker.access), 401, 'ERR_TOKEN_REVOKED');
    });

    it('with the double-submit header: the page’s value matches the real login, and every login among them ends', async () => {
      const { auth, app, at, now } = sessionApp(variant, { csrf: { header: 'x-csrf-token' } });
      const jar = new CookieJar(now);
      const victim = await victimOf(app, jar);
      const attacker = await loginOf(auth, 'attacker');
      jar.plant(`jwt-refresh=${attacker.refresh}; Path=/auth/logout; ${SIBLING}`);
      at(20 * 60);
      const out = await send(app, jar, 'post', '/auth/logout').set('x-csrf-token', jar.read('csrf')!);
      expect(out.status).toBe(204);
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, attacker.refresh), 401, 'ERR_TOKEN_REVOKED');
    });

    it('with the double-submit header missing: 403, nothing revoked, never a 204', async () => {
      const { auth, app, at, now } = sessionApp(variant, { csrf: { header: 'x-csrf-token' } });
      const jar = new CookieJar(now);
      const victim = await victimOf(app, jar);
      jar.plant(`jwt-refresh=${(await loginOf(auth, 'attacker')).refresh}; Path=/auth/logout; ${SIBLING}`);
      at(20 * 60);
      expect((await send(app, jar, 'post', '/auth/logout')).status).toBe(403);
      const own = await refreshWith(app, victim.refresh).set('x-csrf-token', jar.read('csrf')!);
      expect(own.status).toBe(204);
    });

    it('a sign-out behind requireAuth with a planted session cookie: refused, never a 204', async () => {
      const { auth, app, at, now } = sessionApp(variant);
      const jar = new CookieJar(now);
      const victim = await victimOf(app, jar);
      jar.plant(`jwt=${(await loginOf(auth, 'attacker')).access}; Path=/auth/logout-everywhere; ${SIBLING}`);
      at(60);
      expectRefused(await send(app, jar, 'post', '/auth/logout-everywhere'), 400, 'ERR_DUPLICATE_COOKIE');
      expect((await withBearer(app, victim.access)).status).toBe(200);
    });
  });

  it.each([
    ['the built-in extraction', {}],
    ['a getToken that takes the first jwt cookie', { getToken: cookieOf }],
  ])('%s, two jwt cookies: the guard refuses the pair, sign-out ends both', async (_name, extra) => {
    // No refresh cookie: the access tokens alone name the logins.
    const { auth, app, now } = sessionApp(variant, { ...extra, refresh: false });
    const jar = new CookieJar(now);
    const victim = await victimOf(app, jar);
    const attacker = await loginOf(auth, 'attacker');
    jar.plant(`jwt=${attacker.access}; Path=/; ${SIBLING}`);
    jar.plant(`jwt=${attacker.access}; Path=/auth/logout; ${SIBLING}`);
    expectRefused(await send(app, jar, 'get', '/required'), 400, 'ERR_DUPLICATE_COOKIE');
    expect((await send(app, jar, 'post', '/auth/logout')).status).toBe(204);
    // As the only cookie: getToken replaces the built-in extraction, Bearer included.
    expectRefused(await withCookie(app, victim.access), 401, 'ERR_TOKEN_REVOKED');
    expectRefused(await withCookie(app, attacker.access), 401, 'ERR_TOKEN_REVOKED');
  });

  it('the attacker’s refresh cookie planted at /auth/refresh: refused, and no session of the attacker set', async () => {
    const { auth, app, at, now } = sessionApp(variant);
    const jar = new CookieJar(now);
    const victim = await victimOf(app, jar);
    const attacker = await loginOf(auth, 'attacker');
    jar.plant(`jwt-refresh=${attacker.refresh}; Path=/auth/refresh; ${SIBLING}`);
    at(20 * 60);
    expect(jar.header('/auth/refresh')).toBe(
      `jwt-refresh=${attacker.refresh}; jwt-refresh=${victim.refresh}`,
    );
    const res = await send(app, jar, 'post', '/auth/refresh');
    expectRefused(res, 400, 'ERR_DUPLICATE_COOKIE');
    expect(setCookies(res)).toEqual([]);
    // Neither token was spent: the refusal decided nothing.
    const own = await refreshWith(app, victim.refresh);
    expect(own.status).toBe(204);
    expect(payloadOf(valueOf(setCookies(own).find((c) => c.startsWith('jwt=')))).sub).toBe('user-1');
  });

  describe('a session cookie planted at a guarded path', () => {
    async function planted(path: string) {
      const { auth, app, now } = sessionApp(variant);
      const jar = new CookieJar(now);
      await victimOf(app, jar);
      const attacker = await loginOf(auth, 'attacker');
      jar.plant(`jwt=${attacker.access}; Path=${path}; ${SIBLING}`);
      return { auth, app, jar, attacker };
    }

    it('requireAuth: 400 ERR_DUPLICATE_COOKIE, never the planted identity', async () => {
      const { app, jar, attacker } = await planted('/required');
      expect(jar.header('/required')).toMatch(new RegExp(`^jwt=${attacker.access}; jwt=`));
      const res = await send(app, jar, 'get', '/required');
      expectRefused(res, 400, 'ERR_DUPLICATE_COOKIE');
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_request", error_description="authentication cookie sent more than once"',
      );
      expect(res.text).not.toContain('attacker');
    });

    it('optionalAuth: anonymous, with the reason kept; invalid: "refuse" answers 400', async () => {
      const { app, jar } = await planted('/optional');
      const res = await send(app, jar, 'get', '/optional');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: null, claims: null, authError: 'ERR_DUPLICATE_COOKIE' });
      const strict = await planted('/optional-strict');
      expectRefused(
        await send(strict.app, strict.jar, 'get', '/optional-strict'),
        400,
        'ERR_DUPLICATE_COOKIE',
      );
    });

    it('a Bearer header beside them is used: a client that names its token is not asked to choose', async () => {
      const { auth, app, jar } = await planted('/required');
      const own = await auth.issue({ sub: 'api-client' });
      const res = await send(app, jar, 'get', '/required').set('Authorization', `Bearer ${own}`);
      expect(res.status).toBe(200);
      expect((res.body as { user: { sub: string } }).user.sub).toBe('api-client');
    });
  });

  describe('a __Host- refresh cookie', () => {
    const options = {
      cookie: { name: '__Host-jwt' },
      refresh: { expiresIn: '30d', cookie: '__Host-jwt-refresh' },
    } as const;

    it('is Secure, host-only at Path=/; no sibling can plant one; refresh and sign-out work anywhere', async () => {
      const { app, at, now } = sessionApp(variant, options);
      const jar = new CookieJar(now);
      const login = await request(app).post('/login');
      const refreshCookie = setCookies(login).find((c) => c.startsWith('__Host-jwt-refresh='));
      expect(refreshCookie).toMatch(
        /^__Host-jwt-refresh=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
      );
      jar.receive(setCookies(login), '/login');
      const real = jar.values('__Host-jwt-refresh')[0]!;
      // A sibling subdomain cannot set it with a Domain, nor at another path.
      expect(jar.plant(`__Host-jwt-refresh=planted; Path=/auth/refresh; ${SIBLING}`)).toBe(false);
      expect(jar.plant(`__Host-jwt-refresh=planted; Path=/; ${SIBLING}`)).toBe(false);
      at(20 * 60);
      const refreshed = await send(app, jar, 'post', '/auth/refresh');
      expect(refreshed.status).toBe(204);
      jar.receive(setCookies(refreshed), '/auth/refresh');
      const rotated = jar.values('__Host-jwt-refresh')[0]!;
      expect(rotated).not.toBe(real);
      at(DAY);
      // /logout lies outside /auth: the cookie at Path=/ reaches it.
      const out = await send(app, jar, 'post', '/logout');
      expect(out.status).toBe(204);
      const again = await request(app).post('/auth/refresh').set('Cookie', `__Host-jwt-refresh=${rotated}`);
      expectRefused(again, 401, 'ERR_TOKEN_REVOKED');
    });
  });
});

describe('a __Host- refresh cookie at createAuth', () => {
  const base = { key: hs256(SECRET), expiresIn: '15m' } as const;

  it('takes Path=/ by default and refuses what browsers would drop', () => {
    expect(() =>
      createAuth({ ...base, refresh: { expiresIn: '30d', cookie: '__Host-jwt-refresh' } }),
    ).not.toThrow();
    expect(() =>
      createAuth({ ...base, refresh: { expiresIn: '30d', cookie: '__Host-jwt-refresh', path: '/auth' } }),
    ).toThrow(/"refresh.path" must be "\/" for a __Host- refresh cookie/);
    expect(() =>
      createAuth({
        ...base,
        cookie: { domain: 'app.example' },
        refresh: { expiresIn: '30d', cookie: '__host-jwt-refresh' },
      }),
    ).toThrow(/__Host- refresh cookie cannot take cookie.domain/);
    expect(() =>
      createAuth({
        ...base,
        cookie: { secure: false },
        refresh: { expiresIn: '30d', cookie: '__Host-jwt-refresh' },
      }),
    ).toThrow(/must be Secure/);
  });

  it('refuses a refresh cookie named as the session or the csrf cookie', () => {
    expect(() => createAuth({ ...base, refresh: { expiresIn: '30d', cookie: 'jwt' } })).toThrow(
      /"refresh.cookie" must be different from the session cookie/,
    );
    expect(() =>
      createAuth({
        ...base,
        csrf: { header: 'x-csrf-token' },
        refresh: { expiresIn: '30d', cookie: 'csrf' },
      }),
    ).toThrow(/"refresh.cookie" must be different from the session cookie/);
  });
});

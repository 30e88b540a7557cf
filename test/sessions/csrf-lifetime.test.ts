// The double-submit value must be readable for as long as the login can be refreshed or ended: a page
// reads it from the csrf cookie, and a browser drops that cookie at its Max-Age. The jar here drops
// cookies as a browser does, on the app's own clock.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256 } from '../../src/index.js';
import type { Handler } from '../adapters/apps.js';
import { variants } from '../adapters/apps.js';
import { SECRET, asSigned } from '../helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { DAY, cookiesOf, expectRefused, refreshWith, sessionApp, setCookies } from '../support/sessions.js';

const CSRF = { csrf: { header: 'x-csrf-token' } } as const;

/** A page's fetch to `path`: the jar's cookies, and the header repeating the csrf cookie when it can read one. */
async function fromPage(app: Handler, jar: CookieJar, path: string): Promise<request.Response> {
  const call = request(app).post(path).set('Sec-Fetch-Site', 'same-origin');
  const cookies = jar.header(path);
  if (cookies !== '') call.set('Cookie', cookies);
  const value = jar.read('csrf');
  if (value !== undefined) call.set('x-csrf-token', value);
  const res = await call;
  jar.receive(setCookies(res), path);
  return res;
}

const maxAge = (cookie: string | undefined): number => Number(/Max-Age=(\d+)/.exec(cookie ?? '')?.[1]);

describe.each(variants)('$name', (variant) => {
  it('20 minutes after sign-in the access cookie is gone, the csrf value is not: refresh answers 204', async () => {
    const { app, at, now } = sessionApp(variant, CSRF);
    const jar = new CookieJar(now);
    expect((await fromPage(app, jar, '/login')).status).toBe(204);
    at(20 * 60);
    expect(jar.values('jwt')).toEqual([]);
    expect(jar.read('csrf')).toMatch(/^[\w-]{22}$/);
    const refreshed = await fromPage(app, jar, '/auth/refresh');
    expect(refreshed.status).toBe(204);
    expect((await fromPage(app, jar, '/write')).status).toBe(200);
  });

  it('a day after sign-in, with only the refresh and csrf cookies left, sign-out ends the login', async () => {
    const { app, at, now } = sessionApp(variant, CSRF);
    const jar = new CookieJar(now);
    await fromPage(app, jar, '/login');
    const [refresh] = jar.values('jwt-refresh');
    at(DAY);
    expect(jar.header('/auth/logout')).not.toContain('jwt=');
    const out = await fromPage(app, jar, '/auth/logout');
    expect(out.status).toBe(204);
    expectRefused(await refreshWith(app, refresh!), 401, 'ERR_TOKEN_REVOKED');
    // Sign-out cleared the csrf cookie with the others.
    expect({ csrf: jar.values('csrf'), refresh: jar.values('jwt-refresh') }).toEqual({
      csrf: [],
      refresh: [],
    });
  });

  it('the csrf cookie lives as long as the refresh cookie, at sign-in and after each refresh', async () => {
    const { app, at, now } = sessionApp(variant, CSRF);
    const jar = new CookieJar(now);
    const login = cookiesOf(await fromPage(app, jar, '/login'));
    expect(maxAge(login.csrf)).toBe(30 * DAY);
    expect(maxAge(login['jwt-refresh'])).toBe(30 * DAY);
    expect(login.csrf).toMatch(/; Path=\/; SameSite=Lax$/);
    at(10 * DAY);
    const refreshed = cookiesOf(await fromPage(app, jar, '/auth/refresh'));
    expect(maxAge(refreshed.csrf)).toBe(20 * DAY);
    expect(maxAge(refreshed['jwt-refresh'])).toBe(20 * DAY);
    // The login's end: both go together.
    at(30 * DAY);
    expect({ csrf: jar.values('csrf'), refresh: jar.values('jwt-refresh') }).toEqual({
      csrf: [],
      refresh: [],
    });
  });

  it('with sliding renewal and refresh tokens, a renewal leaves the csrf cookie to the login’s end', async () => {
    const { app, at, now } = sessionApp(variant, { ...CSRF, renew: { maxAge: '12h' } });
    const jar = new CookieJar(now);
    await fromPage(app, jar, '/login');
    at(10 * 60);
    const renewed = await request(app).get('/required').set('Cookie', jar.header('/required'));
    expect(renewed.status).toBe(200);
    expect(cookiesOf(renewed).jwt).toBeDefined();
    expect(cookiesOf(renewed).csrf).toBeUndefined();
    jar.receive(setCookies(renewed), '/required');
    at(DAY);
    expect((await fromPage(app, jar, '/auth/refresh')).status).toBe(204);
  });

  it('without refresh tokens the csrf cookie follows the session cookie, renewal included', async () => {
    const { app, at, now } = sessionApp(variant, {
      ...CSRF,
      refresh: false,
      expiresIn: '1h',
      renew: { maxAge: '12h' },
    });
    const jar = new CookieJar(now);
    const login = cookiesOf(await fromPage(app, jar, '/login'));
    expect(maxAge(login.csrf)).toBe(3600);
    at(40 * 60);
    const renewed = await request(app).get('/required').set('Cookie', jar.header('/required'));
    expect(maxAge(cookiesOf(renewed).csrf)).toBe(3600);
    jar.receive(setCookies(renewed), '/required');
    at(90 * 60);
    expect((await fromPage(app, jar, '/write')).status).toBe(200);
  });
});

describe('the csrf cookie at createAuth', () => {
  const base = { key: hs256(SECRET), csrf: { header: 'x-csrf-token' } };

  it('refuses a name browsers would drop or that would overwrite the session cookie', () => {
    expect(() => createAuth({ ...base, csrf: { header: 'x-csrf-token', cookie: 'jwt' } })).toThrow(
      /"csrf.cookie" must not be the session cookie's name/,
    );
    expect(() =>
      createAuth({
        ...base,
        cookie: { path: '/app' },
        csrf: { header: 'x-csrf-token', cookie: '__Host-csrf' },
      }),
    ).toThrow(/"__Host-csrf" is a __Host- cookie: it must have path "\/" and no domain/);
    expect(() =>
      createAuth({
        ...base,
        cookie: { secure: false },
        csrf: { header: 'x-csrf-token', cookie: '__host-csrf' },
      }),
    ).toThrow(/must be Secure/);
    expect(() => createAuth({ ...base, csrf: { header: 'x-csrf-token', cookie: 'bad name' } })).toThrow(
      TypeError,
    );
  });

  it('a __Host- csrf cookie is Secure, host-only at Path=/ and readable', async () => {
    const auth = createAuth({ ...base, csrf: { header: 'x-csrf-token', cookie: '__Host-csrf' } });
    const { cookies } = await auth.startSession({ sub: 'user-1' }, undefined, { secure: false });
    expect(asSigned(cookies[1], 3600)).toMatch(
      /^__Host-csrf=[\w-]{22}; Max-Age=3600; Path=\/; Secure; SameSite=Lax$/,
    );
  });
});

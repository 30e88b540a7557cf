// A custom getToken, attacked: a string it returns gets the cookie's CSRF checks, but a token that came
// from anywhere but the session cookie (a query string, a header) must never be written into that cookie
// by a sliding renewal: a link carrying an attacker's token would sign the victim in as the attacker.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, type RequestLike } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import { cookiesOf, expectRefused, login, sessionApp } from '../support/sessions.js';

// express-jwt's classic getToken: the query string, else the session cookie.
const fromQueryOrCookie = (req: RequestLike): string | undefined => {
  const query = new URL(req.url ?? '/', 'http://app.local').searchParams.get('token');
  return query ?? /(?:^|;\s*)jwt=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
};

describe.each(variants)('$name', (variant) => {
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

  it('a refresh token handed over by getToken is no access token', async () => {
    const { app } = sessionApp(variant, { getToken: fromQueryOrCookie });
    const s = await login(app);
    expectRefused(await request(app).get(`/required?token=${s.refresh}`), 401, 'ERR_CLAIM_INVALID');
  });
});

describe('options', () => {
  it('an access typ that names the refresh tokens’ typ is refused at start-up: refresh tokens would pass as access tokens', () => {
    for (const typ of ['refresh+jwt', 'application/refresh+jwt', 'Refresh+JWT']) {
      expect(() => createAuth({ key: hs256(SECRET), typ })).toThrow(TypeError);
    }
  });
});

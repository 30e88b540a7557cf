// CSRF checks for cookie-borne tokens: exactly what passes, and a custom getToken cannot switch them off.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { RequestLike } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { cookiesOf, expectRefused, login, sessionApp } from '../support/sessions.js';

const EVIL = 'https://evil.test';
const cookieOf = (req: RequestLike): string | undefined =>
  /(?:^|;\s*)jwt=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];

describe.each(variants)('$name', (variant) => {
  // Go's net/http CrossOriginProtection rule. Every request names its Host: app.local.
  const cases: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: 'neither Origin nor Sec-Fetch-Site (no browser sent it)', headers: {}, status: 200 },
    { name: 'Sec-Fetch-Site: same-origin', headers: { 'Sec-Fetch-Site': 'same-origin' }, status: 200 },
    {
      name: 'Sec-Fetch-Site: none (typed in the address bar, a bookmark)',
      headers: { 'Sec-Fetch-Site': 'none' },
      status: 200,
    },
    { name: 'an Origin equal to the request’s own', headers: { Origin: 'http://app.local' }, status: 200 },
    {
      name: 'an Origin listed in csrf.origins',
      headers: { Origin: 'https://app.example', 'Sec-Fetch-Site': 'same-site' },
      status: 200,
    },
    { name: 'Sec-Fetch-Site: cross-site', headers: { 'Sec-Fetch-Site': 'cross-site' }, status: 403 },
    {
      name: 'Sec-Fetch-Site: same-site from an unlisted origin',
      headers: { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.example' },
      status: 403,
    },
    { name: 'a foreign Origin', headers: { Origin: EVIL }, status: 403 },
    { name: 'Origin: null (a sandboxed frame, a redirect)', headers: { Origin: 'null' }, status: 403 },
    {
      name: 'Sec-Fetch-Site: same-origin beside a foreign Origin',
      headers: { 'Sec-Fetch-Site': 'same-origin', Origin: EVIL },
      status: 200,
    },
  ];

  it.each(cases)('a cookie POST with $name: $status', async ({ headers, status }) => {
    const { app } = sessionApp(variant, { csrf: { origins: ['https://app.example'] } });
    const s = await login(app);
    const res = await request(app)
      .post('/write')
      .set('Host', 'app.local')
      .set('Cookie', `jwt=${s.access}`)
      .set(headers);
    if (status === 200) expect(res.status).toBe(200);
    else expectRefused(res, 403, 'ERR_CSRF');
  });

  it('a Bearer POST is never checked, whatever its Origin', async () => {
    const { app } = sessionApp(variant);
    const s = await login(app);
    expect(
      (await request(app).post('/write').set('Authorization', `Bearer ${s.access}`).set('Origin', EVIL))
        .status,
    ).toBe(200);
  });

  it('getToken returning a string (from the cookie here): the CSRF checks still apply', async () => {
    const { app } = sessionApp(variant, { getToken: cookieOf });
    const s = await login(app);
    expectRefused(
      await request(app).post('/write').set('Cookie', `jwt=${s.access}`).set('Origin', EVIL),
      403,
      'ERR_CSRF',
    );
    expect(
      (
        await request(app)
          .post('/write')
          .set('Cookie', `jwt=${s.access}`)
          .set('Sec-Fetch-Site', 'same-origin')
      ).status,
    ).toBe(200);
  });

  it('getToken saying source "bearer": no CSRF check, and no renewal', async () => {
    const fromHeader = (req: RequestLike): { token: string; source: 'bearer' } | undefined => {
      const token = req.headers['x-api-token'];
      return typeof token === 'string' ? { token, source: 'bearer' } : undefined;
    };
    const { app, at } = sessionApp(variant, {
      getToken: fromHeader,
      expiresIn: '1h',
      refresh: false,
      renew: { maxAge: '12h' },
    });
    const s = await login(app);
    expect((await request(app).post('/write').set('x-api-token', s.access).set('Origin', EVIL)).status).toBe(
      200,
    );
    at(50 * 60);
    const late = await request(app).get('/required').set('x-api-token', s.access);
    expect(late.status).toBe(200);
    expect(cookiesOf(late).jwt).toBeUndefined();
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

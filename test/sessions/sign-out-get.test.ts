// A sign-out reached by GET (a link, an <img>, a top-level navigation from another site) gets the same
// cross-site check as a POST: the method does not make ending every session of a user a safe request.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { variants } from '../adapters/apps.js';
import {
  EVIL,
  cookiesOf,
  expectRefused,
  login,
  refreshWith,
  sessionApp,
  withBearer,
} from '../support/sessions.js';

// What browsers send: a navigation or an <img> from another site says cross-site and, on GET, no Origin.
const cases: { name: string; headers: Record<string, string>; ends: boolean }[] = [
  {
    name: 'Sec-Fetch-Site: cross-site (a link or an <img> on another site)',
    headers: { 'Sec-Fetch-Site': 'cross-site' },
    ends: false,
  },
  {
    name: 'Sec-Fetch-Site: cross-site with a foreign Origin',
    headers: { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL },
    ends: false,
  },
  {
    name: 'Sec-Fetch-Site: same-site (a sibling subdomain’s link)',
    headers: { 'Sec-Fetch-Site': 'same-site' },
    ends: false,
  },
  {
    name: 'Sec-Fetch-Site: same-site with the sibling’s Origin',
    headers: { 'Sec-Fetch-Site': 'same-site', Origin: 'https://blog.app.local' },
    ends: false,
  },
  { name: 'a foreign Origin alone', headers: { Origin: EVIL }, ends: false },
  { name: 'Origin: null', headers: { Origin: 'null' }, ends: false },
  {
    name: 'Sec-Fetch-Site: same-origin (the app’s own link)',
    headers: { 'Sec-Fetch-Site': 'same-origin' },
    ends: true,
  },
  {
    name: 'Sec-Fetch-Site: same-origin with the own Origin',
    headers: { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://app.local' },
    ends: true,
  },
  {
    name: 'Sec-Fetch-Site: none (typed in the address bar)',
    headers: { 'Sec-Fetch-Site': 'none' },
    ends: true,
  },
  { name: 'the own Origin alone', headers: { Origin: 'http://app.local' }, ends: true },
  { name: 'neither header (no browser sent it)', headers: {}, ends: true },
];

describe.each(variants)('$name', (variant) => {
  it.each(cases)('GET /auth/logout-all with $name', async ({ headers, ends }) => {
    const { app, at } = sessionApp(variant);
    const laptop = await login(app);
    const phone = await login(app);
    at(5);
    const out = await request(app)
      .get('/auth/logout-all')
      .set('Host', 'app.local')
      .set('Cookie', `jwt=${phone.access}; jwt-refresh=${phone.refresh}`)
      .set(headers);
    if (ends) {
      expect(out.status).toBe(204);
      expect(Object.keys(cookiesOf(out)).sort()).toEqual(['jwt', 'jwt-refresh']);
      expectRefused(await withBearer(app, laptop.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, phone.refresh), 401, 'ERR_TOKEN_REVOKED');
      return;
    }
    // The refusal reaches the app's own route, whose framework renders the 403; nothing cleared, nothing revoked.
    expect(out.status).toBe(403);
    expect(cookiesOf(out)).toEqual({});
    expect((await withBearer(app, laptop.access)).status).toBe(200);
    expect((await withBearer(app, phone.access)).status).toBe(200);
    expect((await refreshWith(app, laptop.refresh)).status).toBe(204);
  });

  it('a cross-site GET sign-out under SameSite=Lax, sent after the access cookie expired (the refresh cookie is Strict: none sent), revokes nothing and clears nothing', async () => {
    const { app, at } = sessionApp(variant);
    const s = await login(app);
    at(20 * 60);
    const out = await request(app).get('/auth/logout-all').set('Sec-Fetch-Site', 'cross-site');
    expect(cookiesOf(out)).toEqual({});
    expect((await refreshWith(app, s.refresh)).status).toBe(204);
  });
});

// Refresh rotation attacked: a refresh token works once, a replayed one ends the login, and no chain of
// refreshes outlives the login, takes claims from the request, or survives "log out everywhere".
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW, NOW_MS } from '../helpers.js';
import {
  DAY,
  EVIL,
  cookiesOf,
  expectRefused,
  login,
  logout,
  payloadOf,
  refreshWith,
  sessionOf,
  sessionOn,
  sessionOptions,
  withBearer,
  withCookie,
  withoutManaged,
} from '../support/sessions.js';
import { storeKinds, type StoreKind } from '../support/store-kinds.js';

const { kinds, ttlOf, fieldOf } = storeKinds();

describe.each(variants)('$name', (variant) => {
  describe.each(kinds)('$name store', (kind) => {
    // "Log out everywhere" landing while a refresh is in flight (held at useOnce) refuses what it signs.
    it('a refresh in flight during "log out everywhere" does not yield tokens that survive it', async () => {
      let reached!: () => void;
      let release!: () => void;
      const atGate = new Promise<void>((resolve) => (reached = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      const gated: StoreKind = {
        name: kind.name,
        make: (now) => {
          const made = kind.make(now);
          const inner = made.store;
          const store: SessionStore = {
            revoke: (id, until) => inner.revoke(id, until),
            revokeSubject: (sub, notBefore, until) => inner.revokeSubject(sub, notBefore, until),
            status: (ids, sub) => inner.status(ids, sub),
            useOnce: async (id, until) => {
              reached();
              await gate;
              return inner.useOnce(id, until);
            },
          };
          return { store, prefix: made.prefix };
        },
      };
      let clock = NOW_MS;
      const { store } = gated.make(() => clock);
      const app = variant.build(createAuth(sessionOptions(store, () => clock)));
      const thief = await login(app);
      const phone = await login(app);
      const pending = refreshWith(app, thief.refresh).then((res) => res);
      await atGate;
      clock = NOW_MS + 10_500;
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
      ).toBe(204);
      clock = NOW_MS + 11_000;
      release();
      const res = await pending;
      const survivor = res.status === 204 ? sessionOf(res).access : thief.access;
      expectRefused(await withCookie(app, survivor), 401, 'ERR_TOKEN_REVOKED');
    });

    it('24 concurrent refreshes with one token on two instances: exactly one 204, and the losers’ reuse ends the login', async () => {
      const { app, store } = sessionOn(variant, kind);
      const other = variant.build(createAuth(sessionOptions(store, () => NOW_MS)));
      const s = await login(app);
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => refreshWith(i % 2 ? app : other, s.refresh)),
      );
      const winners = results.filter((r) => r.status === 204);
      expect(winners).toHaveLength(1);
      for (const res of results) if (res.status !== 204) expectRefused(res, 401, 'ERR_TOKEN_REVOKED');
      const won = sessionOf(winners[0]!);
      expectRefused(await withCookie(app, won.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(other, won.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withCookie(other, s.access), 401, 'ERR_TOKEN_REVOKED');
    });

    it('refresh and access tokens are kept apart, and a refused attempt does not burn the refresh token', async () => {
      const { app } = sessionOn(variant, kind);
      const s = await login(app);
      expectRefused(await withBearer(app, s.refresh), 401, 'ERR_CLAIM_INVALID');
      expectRefused(await withCookie(app, s.refresh), 401, 'ERR_CLAIM_INVALID');
      expectRefused(
        await request(app).post('/write').set('Cookie', `jwt=${s.refresh}`),
        401,
        'ERR_CLAIM_INVALID',
      );
      const optional = await request(app).get('/optional').set('Cookie', `jwt=${s.refresh}`);
      expect({
        status: optional.status,
        user: optional.body.user,
        authError: optional.body.authError,
      }).toEqual({ status: 200, user: null, authError: 'ERR_CLAIM_INVALID' });
      expectRefused(await refreshWith(app, s.access), 401, 'ERR_CLAIM_INVALID');
      // Both cookies sent to the refresh path: only the refresh cookie is read.
      expectRefused(
        await request(app).post('/auth/refresh').set('Cookie', `jwt=${s.refresh}; jwt-refresh=${s.access}`),
        401,
        'ERR_CLAIM_INVALID',
      );
      // A refresh token at /logout is not a session: nothing is revoked.
      expect((await logout(app, s.refresh)).status).toBe(204);
      expect((await withCookie(app, s.access)).status).toBe(200);
      expect((await refreshWith(app, s.refresh)).status).toBe(204);
    });

    it('no refresh chain outlives the login, and none takes claims from the request', async () => {
      const { app, at } = sessionOn(variant, kind);
      const s = await login(app);
      const original = withoutManaged(payloadOf(s.access));
      expect(original).toEqual({
        auth_time: NOW,
        sub: 'user-1',
        role: 'member',
        scope: 'read',
        sid: expect.any(String),
      });
      let current = s.refresh;
      for (const seconds of [10 * DAY, 20 * DAY, 30 * DAY - 60]) {
        at(seconds);
        const res = await refreshWith(app, current)
          .query({ sub: 'admin', role: 'admin' })
          .set('Content-Type', 'application/json')
          .set('X-User', 'admin')
          .send({ sub: 'admin', role: 'admin', exp: NOW + 365 * DAY, auth_time: NOW + seconds });
        expect(res.status).toBe(204);
        const next = sessionOf(res);
        expect(cookiesOf(res)['jwt-refresh']).toContain(`; Max-Age=${30 * DAY - seconds};`);
        expect(payloadOf(next.refresh)).toMatchObject({
          exp: NOW + 30 * DAY,
          iat: NOW + seconds,
          aud: 'jwt-gate:refresh',
        });
        expect(withoutManaged(payloadOf(next.refresh))).toEqual({ ...original, aud: 'jwt-gate:refresh' });
        expect(withoutManaged(payloadOf(next.access))).toEqual(original);
        current = next.refresh;
      }
      at(30 * DAY);
      expectRefused(await refreshWith(app, current), 401, 'ERR_TOKEN_EXPIRED');
    });

    // No refresh past the login's end, even within clockTolerance: nothing is signed with no lifetime left.
    it('a refresh token in the clock-tolerance window after the login’s end is a 401, never a 500', async () => {
      const { app, at } = sessionOn(variant, kind, { clockTolerance: 30, refresh: { expiresIn: '1h' } });
      const s = await login(app);
      at(3600 + 10);
      expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_EXPIRED');
    });

    // Reuse detection refuses the login until its last access token expires, past the refresh token's exp.
    it('reuse detection near the login’s end keeps refusing the thief’s access token until it expires', async () => {
      const { app, at, prefix } = sessionOn(variant, kind, { refresh: { expiresIn: '1h' } });
      const s = await login(app);
      at(3500);
      const thief = sessionOf(await refreshWith(app, s.refresh));
      expect(payloadOf(thief.access).exp).toBe(NOW + 3500 + 900);
      at(3550);
      expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withCookie(app, thief.access), 401, 'ERR_TOKEN_REVOKED');
      if (prefix === undefined) {
        at(3700);
        expectRefused(await withCookie(app, thief.access), 401, 'ERR_TOKEN_REVOKED');
      } else {
        // The login's entry, and the subject's key holding it, last until the thief's token expires.
        const key = `${prefix}{sub:user-1}`;
        const end = await fieldOf(key, `i:sid:${String(payloadOf(thief.access).sid)}`);
        expect(Number(end) - (NOW + 3550)).toBeGreaterThanOrEqual(3500 + 900 - 3550);
        expect(await ttlOf(key)).toBeGreaterThanOrEqual(3500 + 900 - 3550);
      }
    });

    it('a cross-site refresh is a 403 ERR_CSRF and does not burn the token; with a double submit the header is needed', async () => {
      const { app } = sessionOn(variant, kind);
      const s = await login(app);
      expectRefused(await refreshWith(app, s.refresh).set('Origin', EVIL), 403, 'ERR_CSRF');
      expectRefused(await refreshWith(app, s.refresh).set('Sec-Fetch-Site', 'cross-site'), 403, 'ERR_CSRF');
      expect((await refreshWith(app, s.refresh).set('Sec-Fetch-Site', 'same-origin')).status).toBe(204);

      const double = sessionOn(variant, kind, { csrf: { header: 'x-csrf-token' } });
      const d = await login(double.app);
      expect(d.csrf).toMatch(/^[\w-]{22}$/);
      expectRefused(await refreshWith(double.app, d.refresh), 403, 'ERR_CSRF');
      expectRefused(await refreshWith(double.app, d.refresh).set('x-csrf-token', ''), 403, 'ERR_CSRF');
      expectRefused(
        await refreshWith(double.app, d.refresh).set('x-csrf-token', (await login(double.app)).csrf),
        403,
        'ERR_CSRF',
      );
      const ok = await refreshWith(double.app, d.refresh).set('x-csrf-token', d.csrf);
      expect(ok.status).toBe(204);
      // The rotated session keeps its csrf value, cookie included.
      expect(sessionOf(ok).csrf).toBe(d.csrf);
      expect(payloadOf(sessionOf(ok).access).csrf).toBe(d.csrf);
    });
  });
});

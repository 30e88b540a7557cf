// The memory store under an attacker's load: one account signing in, refreshing and signing out in a loop
// keeps the store within max and never evicts another user's live revocation.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, memoryStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW_MS } from '../helpers.js';
import {
  expectRefused,
  login,
  logout,
  refreshWith,
  sessionOf,
  sessionOptions,
  withCookie,
} from '../support/sessions.js';

describe.each(variants)('$name', (variant) => {
  describe('the memory store under an attacker’s load', () => {
    it('stays within max while one account signs in, refreshes and signs out in a loop', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 20, now: () => clock });
      const app = variant.build(createAuth(sessionOptions(store, () => clock)));
      for (let i = 0; i < 12; i++) {
        const s = await login(app);
        let current = s.refresh;
        for (let j = 0; j < 2; j++) {
          const res = await refreshWith(app, current);
          expect(res.status).toBe(204);
          current = sessionOf(res).refresh;
        }
        expect((await logout(app, s.access)).status).toBe(204);
        expect(
          (
            await request(app)
              .post('/auth/logout-everywhere')
              .set('Authorization', `Bearer ${(await login(app)).access}`)
          ).status,
        ).toBe(204);
        clock += 1000;
        expect(store.size).toBeLessThanOrEqual(20);
      }
    });

    it('an account that floods the store never brings back another user’s revoked token or spent refresh token', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 30, now: () => clock });
      const app = variant.build(createAuth(sessionOptions(store, () => clock)));
      const victim = await login(app);
      const rotated = await refreshWith(app, victim.refresh);
      expect(rotated.status).toBe(204);
      expect((await logout(app, sessionOf(rotated).access)).status).toBe(204);
      // The attacker's own loop: sign in, refresh twice, sign out; about 5 entries a round.
      for (let i = 0; i < 20; i++) {
        clock += 1000;
        const s = await login(app);
        const once = await refreshWith(app, s.refresh);
        expect((await refreshWith(app, sessionOf(once).refresh)).status).toBe(204);
        expect((await logout(app, s.access)).status).toBe(204);
        expect(store.size).toBeLessThanOrEqual(30);
      }
      expectRefused(await withCookie(app, sessionOf(rotated).access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, sessionOf(rotated).refresh), 401, 'ERR_TOKEN_REVOKED');
      clock += 1000;
      const fresh = await login(app);
      expect((await withCookie(app, fresh.access)).status).toBe(200);
    });

    // A full memory store drops expired entries before a live one (README: "dropping expired ones first").
    it('when full, drops expired entries before a live revocation', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 4, now: () => clock });
      const app = variant.build(createAuth(sessionOptions(store, () => clock)));
      const victim = await login(app);
      expect((await logout(app, victim.access)).status).toBe(204);
      const attacker = await login(app);
      expect((await logout(app, attacker.access)).status).toBe(204);
      expect(store.size).toBe(4);
      clock += 1000 * 1000; // both jti: revocations have expired; both sid: revocations live on
      const again = await login(app);
      expect((await logout(app, again.access)).status).toBe(204);
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
    });
  });
});

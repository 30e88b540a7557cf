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
  withBearer,
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

    // A full memory store drops expired entries before a live one (docs/sessions.md: "expired entries go first").
    it('when full, drops expired entries before a live revocation', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 2, now: () => clock });
      const auth = createAuth(sessionOptions(store, () => clock));
      const app = variant.build(auth);
      const victim = await login(app);
      expect((await logout(app, victim.access)).status).toBe(204);
      // A token of no login, revoked by hand: an entry that ends with its 15 minutes.
      const bystander = await auth.issue({ sub: 'bystander' }, { expiresIn: '1h' });
      const short = await auth.issue({ sub: 'someone' });
      await auth.revoke(await auth.verify(short));
      expect(store.size).toBe(2);
      clock += 1000 * 1000; // the short token's entry has expired; the victim's login lives on
      const again = await login(app);
      expect((await logout(app, again.access)).status).toBe(204);
      expect(store.size).toBe(2);
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
      // No floor was raised: a token issued before the store filled still passes.
      await expect(auth.verify(bystander)).resolves.toMatchObject({ sub: 'bystander' });
      expect((await withBearer(app, (await login(app)).access)).status).toBe(200);
    });

    // One account's loop fills only its own share: past maxPerSubject its entries fold into a cut of its own.
    it('one account signing out in a loop keeps at most maxPerSubject entries, and ends only its own logins', async () => {
      const clock = NOW_MS;
      const store = memoryStore({ max: 1000, maxPerSubject: 10, now: () => clock });
      const auth = createAuth(sessionOptions(store, () => clock));
      const app = variant.build(auth);
      const bystander = await auth.startSession({ sub: 'bystander' });
      const attacker = await auth.startSession({ sub: 'attacker' });
      const stockpile: string[] = [];
      for (let i = 0; i < 30; i++) stockpile.push((await auth.startSession({ sub: 'attacker' })).token);
      for (const token of stockpile) {
        expect((await logout(app, token)).status).toBe(204);
        // Its entries and cut, its live logins' records (10 at most) and the bystander's.
        expect(store.size).toBeLessThanOrEqual(11 + 10 + 1);
      }
      // Folded: every earlier login of the attacker is refused, the bystander's is not.
      expectRefused(await withBearer(app, attacker.token), 401, 'ERR_TOKEN_REVOKED');
      for (const token of stockpile) expectRefused(await withBearer(app, token), 401, 'ERR_TOKEN_REVOKED');
      expect((await withBearer(app, bystander.token)).status).toBe(200);
      // The attacker can sign in again at once (its new login carries the new generation).
      expect((await withBearer(app, (await auth.startSession({ sub: 'attacker' })).token)).status).toBe(200);
    });
  });
});

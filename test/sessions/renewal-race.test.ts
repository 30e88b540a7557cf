// Sliding renewal checks the store again after signing: a revocation that lands meanwhile still wins.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { memoryStore, type SessionStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW_MS } from '../helpers.js';
import { cookiesOf, expectRefused, login, sessionApp, valueOf, withCookie } from '../support/sessions.js';

describe.each(variants)('$name', (variant) => {
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
});

// Log out everywhere covers every token ever issued to the user, on every device, however long it was
// made to live, on every store kind.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW, NOW_MS, SECRET, handToken } from '../helpers.js';
import {
  DAY,
  expectRefused,
  login,
  refreshWith,
  sessionApp,
  sessionOn,
  withBearer,
  withCookie,
} from '../support/sessions.js';
import { storeKinds } from '../support/store-kinds.js';

const { kinds, ttlOf } = storeKinds();

describe.each(variants)('$name', (variant) => {
  describe.each(kinds)('$name store', (kind) => {
    it('log out everywhere refuses every device’s access and refresh tokens at once; a new login works', async () => {
      const { app, at } = sessionOn(variant, kind);
      const laptop = await login(app);
      const phone = await login(app);
      at(5);
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
      ).toBe(204);
      expectRefused(await withCookie(app, laptop.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withBearer(app, laptop.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, laptop.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, phone.refresh), 401, 'ERR_TOKEN_REVOKED');
      const again = await login(app);
      expect((await withCookie(app, again.access)).status).toBe(200);
      expect((await refreshWith(app, again.refresh)).status).toBe(204);
    });

    // The subject's not-before outlives every token it refuses, refresh tokens (30 days here) included.
    it('log out everywhere still refuses another device’s refresh token after the access lifetime has passed', async () => {
      const { app, at, prefix } = sessionOn(variant, kind, { expiresIn: '1h' });
      const stolen = await login(app);
      const phone = await login(app);
      at(5);
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
      ).toBe(204);
      if (prefix === undefined) {
        at(5 + 3600 + 60);
        expectRefused(await refreshWith(app, stolen.refresh), 401, 'ERR_TOKEN_REVOKED');
      } else {
        // Redis expires keys in real time: the subject's key must outlive every token it refuses, so it has no end.
        expect(await ttlOf(`${prefix}{sub:user-1}`)).toBe(-1);
      }
    });

    // The subject's not-before outlives a token signed in with a longer expiresIn ("remember me") too.
    it('log out everywhere still refuses a “remember me” token (signIn with expiresIn: 7d) after an hour', async () => {
      const { auth, app, at, prefix } = sessionOn(variant, kind, { expiresIn: '1h', refresh: false });
      const { token } = await auth.startSession({ sub: 'user-1', role: 'member' }, { expiresIn: '7d' });
      const phone = await login(app);
      at(5);
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
      ).toBe(204);
      expectRefused(await withCookie(app, token), 401, 'ERR_TOKEN_REVOKED');
      if (prefix === undefined) {
        at(5 + 3600 + 60);
        expectRefused(await withCookie(app, token), 401, 'ERR_TOKEN_REVOKED');
      } else {
        expect(await ttlOf(`${prefix}{sub:user-1}`)).toBe(-1);
      }
    });
  });
});

describe.each(variants)('$name', (variant) => {
  it('a 90-day “remember me” token stays refused on day 91 after log out everywhere', async () => {
    const { auth, app, at } = sessionApp(variant, { refresh: false });
    const { token } = await auth.startSession({ sub: 'user-1', role: 'member' }, { expiresIn: '90d' });
    const phone = await login(app);
    at(5);
    expect(
      (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
    ).toBe(204);
    for (const day of [1, 31, 60, 89]) {
      at(day * DAY);
      expectRefused(await withBearer(app, token), 401, 'ERR_TOKEN_REVOKED');
    }
  });

  it('a token without exp (requireExp: false) stays refused 3 hours, and a year, after log out everywhere', async () => {
    const { app, at } = sessionApp(variant, { requireExp: false, refresh: false });
    const endless = handToken(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'user-1', iat: NOW, jti: 'endless' },
      { hmac: SECRET },
    );
    expect((await withBearer(app, endless)).status).toBe(200);
    at(5);
    expect(
      (await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${endless}`)).status,
    ).toBe(204);
    for (const seconds of [3 * 3600 + 60, 365 * DAY]) {
      at(seconds);
      expectRefused(await withBearer(app, endless), 401, 'ERR_TOKEN_REVOKED');
    }
  });
});

describe('the core API', () => {
  it('revoking a token without exp keeps it refused for ever (requireExp: false)', async () => {
    let clock = NOW_MS;
    const auth = createAuth({
      key: hs256(SECRET),
      requireExp: false,
      store: memoryStore({ now: () => clock }),
      now: () => clock,
    });
    const endless = handToken(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'user-1', iat: NOW, jti: 'endless' },
      { hmac: SECRET },
    );
    await auth.revoke(await auth.verify(endless));
    for (const seconds of [3 * 3600, 400 * DAY]) {
      clock = NOW_MS + seconds * 1000;
      await expect(auth.verify(endless)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    }
  });

  it('with maxTokenAge, the entry ends when every older token has aged out anyway', async () => {
    let clock = NOW_MS;
    const store = memoryStore({ now: () => clock });
    const auth = createAuth({
      key: hs256(SECRET),
      requireExp: false,
      maxTokenAge: '1d',
      store,
      now: () => clock,
    });
    const endless = handToken(
      { alg: 'HS256', typ: 'JWT' },
      { sub: 'user-1', iat: NOW, jti: 'endless' },
      { hmac: SECRET },
    );
    clock = NOW_MS + 5000;
    await auth.revokeSubject('user-1');
    clock = NOW_MS + (DAY - 10) * 1000;
    await expect(auth.verify(endless)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    // Whole-second iat: the tokens of the second it happened in are refused too, and those an instance up
    // to twice the default clockTolerance (1 s) ahead may have signed since.
    expect((await store.status([], 'user-1')).notBefore).toBe(NOW + 5 + 2 + 1);
    // The entry outlives maxTokenAge by twice that margin.
    clock = NOW_MS + (5 + DAY + 3) * 1000;
    expect((await store.status([], 'user-1')).notBefore).toBe(NOW + 8);
    clock = NOW_MS + (5 + DAY + 4) * 1000;
    expect((await store.status([], 'user-1')).notBefore).toBeUndefined();
    await expect(auth.verify(endless)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });
});

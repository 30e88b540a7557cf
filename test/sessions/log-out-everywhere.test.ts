// Log out everywhere covers every token ever issued to the user, however long it was made to live.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW, NOW_MS, SECRET, handToken } from '../helpers.js';
import { DAY, expectRefused, login, sessionApp, withBearer } from '../support/sessions.js';

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
    expect((await store.status([], 'user-1')).notBefore).toBe(NOW + 5);
    clock = NOW_MS + (DAY + 10) * 1000;
    expect((await store.status([], 'user-1')).notBefore).toBeUndefined();
    await expect(auth.verify(endless)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });
});

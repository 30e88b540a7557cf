// A custom getToken, attacked: a refresh token it hands over is no access token, and no access typ may
// name the refresh tokens'. (Its tokens and the cookie's CSRF checks: csrf.test.ts; its tokens and
// sliding renewal: renewal.test.ts.)
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256 } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import { expectRefused, fromQueryOrCookie, login, sessionApp } from '../support/sessions.js';

describe.each(variants)('$name', (variant) => {
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

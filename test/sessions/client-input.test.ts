// Client input on the session routes is never a 500: malformed, foreign or misplaced tokens at the
// refresh, the sign-out and a guarded POST are refused with their code, or cleared, and end no one's login.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256 } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { OTHER_SECRET, SECRET, handToken } from '../helpers.js';
import {
  EVIL,
  expectRefused,
  login,
  logout,
  refreshWith,
  sessionApp,
  setCookies,
  valueOf,
  withCookie,
} from '../support/sessions.js';

describe.each(variants)('$name', (variant) => {
  describe('client input on the session routes is never a 500', () => {
    const { app } = sessionApp(variant);
    const otherKey = createAuth({ key: hs256(OTHER_SECRET), refresh: { expiresIn: '30d' } });
    let foreign = '';
    beforeAll(async () => {
      const cookies = (await otherKey.startSession({ sub: 'user-1' })).cookies;
      foreign = valueOf(cookies.find((c) => c.startsWith('jwt-refresh=')));
    });

    const refreshCases: [string, string | string[] | undefined, number, string][] = [
      ['no cookie', undefined, 401, 'ERR_TOKEN_MISSING'],
      ['an empty refresh cookie', 'jwt-refresh=', 401, 'ERR_TOKEN_MISSING'],
      ['bad percent-encoding', 'jwt-refresh=%E0%A4%A', 401, 'ERR_TOKEN_MALFORMED'],
      ['three dots', 'jwt-refresh=a.b.c', 401, 'ERR_TOKEN_MALFORMED'],
      ['an oversized token', `jwt-refresh=${'a'.repeat(9000)}`, 401, 'ERR_TOKEN_MALFORMED'],
      ['two Cookie headers', ['jwt-refresh=a.b.c', 'jwt-refresh=x'], 400, 'ERR_DUPLICATE_COOKIE'],
      [
        'an alg none token',
        `jwt-refresh=${handToken({ alg: 'none', typ: 'refresh+jwt' }, { sub: 'x', sid: 'y', jti: 'z', exp: 4e9 }, { signature: '' })}`,
        401,
        'ERR_ALG_NOT_ALLOWED',
      ],
      [
        'a token with a non-number exp',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', sid: 'y', jti: 'z', exp: '9999999999' }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
      [
        'a validly signed refresh token without sid',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', jti: 'z', exp: 4e9 }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
      [
        'a validly signed refresh token with an object sid',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', jti: 'z', sid: {}, exp: 4e9 }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
    ];
    it.each(refreshCases.map(([name, cookie, status, code]) => ({ name, cookie, status, code })))(
      'POST /auth/refresh with $name: $status $code',
      async ({ cookie, status, code }) => {
        const call = request(app).post('/auth/refresh');
        expectRefused(await (cookie === undefined ? call : call.set({ Cookie: cookie })), status, code);
      },
    );

    it('a refresh token of another key is ERR_SIGNATURE_INVALID; Authorization headers do not reach the refresh', async () => {
      expectRefused(await refreshWith(app, foreign), 401, 'ERR_SIGNATURE_INVALID');
      const s = await login(app);
      expectRefused(
        await request(app).post('/auth/refresh').set('Authorization', `Bearer ${s.refresh}`),
        401,
        'ERR_TOKEN_MISSING',
      );
      expectRefused(
        await request(app).post('/auth/refresh').set('Authorization', 'Bearer a b'),
        401,
        'ERR_TOKEN_MISSING',
      );
    });

    it('/auth/logout answers 204 and clears every cookie whatever the request carries', async () => {
      const s = await login(app);
      const odd: Record<string, string | string[]>[] = [
        { Authorization: 'Bearer a b' },
        { Authorization: ['Bearer x', 'Bearer y'] },
        { Cookie: 'jwt=%E0%A4%A' },
        { Cookie: `jwt=${'a'.repeat(9000)}` },
        { Cookie: ['jwt=a.b.c', 'jwt=x'] },
      ];
      for (const headers of odd) {
        const res = await request(app).post('/auth/logout').set(headers);
        expect(res.status).toBe(204);
        expect(setCookies(res).map((c) => c.split('=')[0])).toEqual(['jwt', 'jwt-refresh']);
      }
      // A forged cross-site sign-out revokes nothing (its 403 is test/sessions/sign-out-attack.test.ts's).
      for (const headers of [{ Origin: EVIL }, { 'Sec-Fetch-Site': 'cross-site' }]) {
        expect((await logout(app, s.access).set(headers)).status).toBeLessThan(500);
      }
      expect((await withCookie(app, s.access)).status).toBe(200);
      expect((await refreshWith(app, s.refresh)).status).toBe(204);
    });

    it('a bad Authorization header on a guarded POST is a 400, not a crash', async () => {
      expectRefused(
        await request(app).post('/write').set('Authorization', 'Bearer a b'),
        400,
        'ERR_BAD_REQUEST',
      );
      expectRefused(
        await request(app)
          .post('/auth/logout-everywhere')
          .set({ Authorization: ['Bearer x', 'Bearer y'] }),
        400,
        'ERR_BAD_REQUEST',
      );
    });
  });
});

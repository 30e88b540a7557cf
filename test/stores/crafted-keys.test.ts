// Crafted subjects and token ids (glob patterns, CRLF, other keys' names, prefixes, huge strings) name
// only their own store keys: signing them out never touches another user's, nor escapes the prefix.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { variants } from '../adapters/apps.js';
import {
  expectRefused,
  login,
  payloadOf,
  refreshWith,
  sessionOn,
  withBearer,
  withCookie,
} from '../support/sessions.js';
import { storeKinds } from '../support/store-kinds.js';

const { kinds, redis, ttlOf } = storeKinds();

describe.each(variants)('$name', (variant) => {
  describe.each(kinds)('$name store', (kind) => {
    it('log out everywhere / sign-out of crafted subjects and jtis never touch another user’s keys', async () => {
      const { auth, app, prefix } = sessionOn(variant, kind);
      const victim = await login(app);
      const victimClaims = payloadOf(victim.access);
      const vj = victimClaims.jti;
      const vsid = String(victimClaims.sid);
      const p = prefix ?? 'jwt-gate:';
      const subjects = [
        '*',
        'user-1*',
        'user-?',
        'user-[1]',
        'user-1\n',
        'user-1\r\nFLUSHALL',
        ' user-1',
        'USER-1',
        'user-1\u0000',
        '../user-1',
        'sub:user-1',
        `${p}sub:user-1`,
        `id:jti:${vj}`,
        `${p}id:sid:${vsid}`,
        '__proto__',
        'constructor',
        'x'.repeat(4000),
        '{sub:user-1}',
        'user-1}:nb',
        `user-1}:id:jti:${vj}`,
        `${p}{sub:user-1}:nb`,
        '%75ser-1',
        'user-1%',
        '\uD800user-1',
      ];
      for (const sub of subjects) {
        const token = await auth.issue({ sub, role: 'member' });
        expect(
          (await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${token}`)).status,
        ).toBe(204);
        expectRefused(await withBearer(app, token), 401, 'ERR_TOKEN_REVOKED');
      }
      const jtis = [
        `jti:${vj}`,
        `sid:${vsid}`,
        `rt:${vj}`,
        '*',
        `${vj}*`,
        `${vj}\n`,
        `\r\n${vj}`,
        `${p}id:jti:${vj}`,
        `../${vj}`,
        vj.toUpperCase(),
        `${vj} `,
        '__proto__',
        'y'.repeat(2500),
      ];
      for (const jwtid of jtis) {
        const token = await auth.issue({ sub: 'attacker', sid: jwtid }, { jwtid });
        expect((await request(app).post('/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(
          204,
        );
        expectRefused(await withBearer(app, token), 401, 'ERR_TOKEN_REVOKED');
      }
      expect((await withCookie(app, victim.access)).status).toBe(200);
      expect((await refreshWith(app, victim.refresh)).status).toBe(204);
      if (prefix !== undefined) {
        // Every key the attacker made expires on its own but one cut per subject; none escaped the prefix.
        const keys = (await redis().sendCommand(['KEYS', `${prefix}*`])) as string[];
        expect(keys.length).toBeGreaterThan(subjects.length);
        const endless = [];
        // The revocation log trims itself by entry age, not by TTL.
        for (const key of keys) if (!key.endsWith('{log}') && (await ttlOf(key)) === -1) endless.push(key);
        expect(endless).toHaveLength(new Set(subjects).size);
        for (const key of endless) expect(key).toMatch(/^attack-[\w-]+:\{sub:[^]*\}$/);
        expect(
          ((await redis().sendCommand(['KEYS', '*'])) as string[]).filter(
            (key) => !key.startsWith('attack-'),
          ),
        ).toEqual([]);
      }
    });
  });
});

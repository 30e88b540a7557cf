// Sign-out attacked from outside: forged or stale copies of a victim's token, request targets a client
// chooses, two users' tokens in one request, and outages of what sign-out only borrows (the user mapper,
// isRevoked). Each must end the login it can prove, never someone else's, and never answer 204 for a
// login it left alive. On every store kind where the store decides.
import express4 from 'express4';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AuthError, createAuth, hs256, isAuthError, memoryStore, type Claims } from '../../src/index.js';
import { keepingClearingCookies } from '../../src/adapter-kit/index.js';
import { signOut } from '../../adapters/express.js';
import { variants } from '../adapters/apps.js';
import { OTHER_SECRET, SECRET, handToken } from '../helpers.js';
import { rawRequest as raw } from '../support/servers.js';
import {
  DAY,
  cookiesOf,
  expectRefused,
  login,
  logout,
  payloadOf,
  refreshWith,
  sessionApp,
  sessionOf,
  sessionOn,
  unhandledRejections,
  withBearer,
  withCookie,
} from '../support/sessions.js';
import { storeKinds } from '../support/store-kinds.js';

const escaped = unhandledRejections();

/** An `isRevoked` that throws what `error` gives while `down` is set. */
function switchable(error: () => unknown): { down: boolean; isRevoked: () => boolean } {
  const state = {
    down: false,
    isRevoked: (): boolean => {
      if (state.down) throw error();
      return false;
    },
  };
  return state;
}
const { kinds } = storeKinds();

describe.each(variants)('$name', (variant) => {
  // The router takes these targets to /auth/logout; the client chose them, so they are its input, never
  // the app's misrouting: no 500, and the login the request can prove is ended.
  const targets = [
    'http://app.local/auth/logout',
    ...(variant.framework === 'express' ? ['/AUTH/logout', '/Auth/Logout?next=/'] : []),
  ];
  it.each(targets)(
    'a sign-out at %s (routed to /auth/logout) is no 500: it clears the cookies and ends the login',
    async (target) => {
      const { app } = sessionApp(variant);
      const s = await login(app);
      // The refresh cookie is scoped to /auth, case and all; the access cookie (Path=/) comes along.
      const out = await raw(app, 'POST', target, { cookie: `jwt=${s.access}` });
      expect(out.status).toBe(204);
      expect(out.cookies.map((c) => c.split('=')[0])).toEqual(['jwt', 'jwt-refresh']);
      expectRefused(await withBearer(app, s.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
    },
  );

  it('a refresh token of user A beside an access token of user B: B is logged out everywhere, A only loses that one login', async () => {
    const { auth, app, at } = sessionApp(variant);
    const a1 = await auth.startSession({ sub: 'alice' });
    const a2 = await auth.startSession({ sub: 'alice' });
    const b1 = await login(app);
    const b2 = await login(app);
    const refreshOf = (started: { cookies: readonly string[] }): string =>
      /^jwt-refresh=([^;]+)/.exec(started.cookies.find((c) => c.startsWith('jwt-refresh='))!)![1]!;
    at(5);
    const out = await request(app)
      .post('/auth/logout-all')
      .set('Authorization', `Bearer ${b1.access}`)
      .set('Cookie', `jwt-refresh=${refreshOf(a1)}`);
    expect(out.status).toBe(204);
    // Everywhere is for the subject the request authenticated as, never the other one's.
    expectRefused(await withBearer(app, b2.access), 401, 'ERR_TOKEN_REVOKED');
    expect((await withBearer(app, a2.token)).status).toBe(200);
    expect((await refreshWith(app, refreshOf(a2))).status).toBe(204);
    // The refresh token presented is spent for good, as a reuse would have spent it.
    expectRefused(await refreshWith(app, refreshOf(a1)), 401, 'ERR_TOKEN_REVOKED');
  });

  it('the user mapper down (its database, say) at sign-out: the token is still revoked, never a 204 that revoked nothing', async () => {
    let down = false;
    const user = (claims: Claims): Claims => {
      if (down) throw new Error('users database unreachable');
      return claims;
    };
    const { app } = sessionApp(variant, { user, refresh: false });
    const s = await login(app);
    down = true;
    const out = await request(app).post('/auth/logout').set('Cookie', `jwt=${s.access}`);
    down = false;
    // Sign-out needs no user: it verifies the token and revokes it.
    expect(out.status).toBe(204);
    expectRefused(await withCookie(app, s.access), 401, 'ERR_TOKEN_REVOKED');
  });

  it('isRevoked failing at sign-out is an outage to report, never a 204 that revoked nothing', async () => {
    const revocations = switchable(() => new Error('revocation list unreachable'));
    const { app } = sessionApp(variant, { isRevoked: revocations.isRevoked, refresh: false });
    const s = await login(app);
    revocations.down = true;
    const out = await request(app).post('/auth/logout').set('Authorization', `Bearer ${s.access}`);
    revocations.down = false;
    expect(out.status).toBe(500);
    // The browser is logged out all the same: under Koa, whose error handler drops every header set
    // before, the rejection carries this request's clearing cookies as `headers`.
    expect(cookiesOf(out).jwt).toMatch(/^jwt=; Max-Age=0;/);
  });

  it('an error the app throws on every request, once a sign-out failed with it, clears nobody’s cookies on other requests', async () => {
    const outage = Object.assign(new Error('revocation list unreachable'), { status: 503 });
    const revocations = switchable(() => outage);
    const { app } = sessionApp(variant, { isRevoked: revocations.isRevoked, refresh: false });
    const victim = await login(app);
    const s = await login(app);
    revocations.down = true;
    const out = await logout(app, s.access);
    // Rendered as the app's error asks (its status), with the clearing cookies.
    expect(out.status).toBe(503);
    expect(cookiesOf(out).jwt).toMatch(/^jwt=; Max-Age=0;/);
    const after = await withCookie(app, victim.access);
    revocations.down = false;
    expect(after.status).toBe(503);
    expect(cookiesOf(after)).toEqual({});
    expect('headers' in outage).toBe(false);
  });

  it('two Auths whose isRevoked fail with one shared error: each sign-out clears its own cookie', async () => {
    const outage = Object.assign(new Error('revocation list unreachable'), { status: 503 });
    const revocations = switchable(() => outage);
    const { isRevoked } = revocations;
    const admin = sessionApp(variant, { isRevoked, refresh: false, cookie: { name: 'admin' } });
    const site = sessionApp(variant, { isRevoked, refresh: false });
    const a = await admin.auth.issue({ sub: 'admin-1' });
    const s = await login(site.app);
    revocations.down = true;
    const first = await request(admin.app).post('/auth/logout').set('Cookie', `admin=${a}`);
    const second = await logout(site.app, s.access);
    revocations.down = false;
    expect(Object.keys(cookiesOf(first))).toEqual(['admin']);
    expect(Object.keys(cookiesOf(second))).toEqual(['jwt']);
  });

  it(
    // Logout CSRF: another site's form signs nobody out, and clears no cookie.
    'a cross-site POST to /auth/logout is a 403 ERR_CSRF and clears no cookie',
    async () => {
      const { app } = sessionApp(variant);
      const s = await login(app);
      const out = await request(app)
        .post('/auth/logout')
        .set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`)
        .set('Sec-Fetch-Site', 'cross-site')
        .set('Origin', 'https://evil.test');
      expect((await withBearer(app, s.access)).status).toBe(200);
      // The refusal reaches the app's own route, whose framework renders the 403.
      expect(out.status).toBe(403);
      expect(cookiesOf(out)).toEqual({});
    },
  );

  it(
    // What a browser really sends for another site's form: no SameSite=Lax session cookie and no
    // SameSite=Strict refresh cookie. The response to that top-level navigation may still set (clear)
    // them, so clearing them would log the victim's browser out.
    'a cross-site form POST to /auth/logout, sent without the Lax and Strict cookies, clears no cookie',
    async () => {
      const { app } = sessionApp(variant);
      const s = await login(app);
      for (const headers of [
        { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.test' },
        { Origin: 'https://evil.test', Host: 'app.test' },
      ]) {
        const out = await request(app).post('/auth/logout').set(headers);
        expect(cookiesOf(out)).toEqual({});
      }
      expect((await withBearer(app, s.access)).status).toBe(200);
    },
  );

  it('a sign-out whose cookie session fails the double-submit header is never a 204 that leaves the login alive', async () => {
    const { app } = sessionApp(variant, { csrf: { header: 'x-csrf-token' } });
    const s = await login(app);
    const out = await request(app)
      .post('/auth/logout')
      .set('Cookie', `jwt=${s.access}; jwt-refresh=${s.refresh}`)
      .set('Sec-Fetch-Site', 'same-origin');
    const accessAlive = (await withBearer(app, s.access)).status === 200;
    const refreshAlive = (await refreshWith(app, s.refresh)).status === 204;
    expect({ status: out.status, alive: accessAlive || refreshAlive }).not.toEqual({
      status: 204,
      alive: true,
    });
  });

  it('a Bearer sign-out from another origin still ends its login, and clears no cookie', async () => {
    const { app } = sessionApp(variant);
    const s = await login(app);
    const out = await request(app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${s.access}`)
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Origin', 'https://spa.example');
    expect(out.status).toBe(204);
    expect(cookiesOf(out)).toEqual({});
    expectRefused(await withBearer(app, s.access), 401, 'ERR_TOKEN_REVOKED');
  });

  it(
    // The sid carries the login's last second, so any one token of a login tells how long to refuse them all.
    'a “remember me” login signed out with a refreshed access token alone: its refresh token stays refused to the end',
    async () => {
      const { auth, app, at } = sessionApp(variant);
      const started = await auth.startSession({ sub: 'user-1' }, { expiresIn: '90d' });
      const first = /^jwt-refresh=([^;]+)/.exec(
        started.cookies.find((c) => c.startsWith('jwt-refresh='))!,
      )![1]!;
      at(DAY);
      const rotated = sessionOf(await refreshWith(app, first));
      expect(
        (await request(app).post('/auth/logout').set('Authorization', `Bearer ${rotated.access}`)).status,
      ).toBe(204);
      at(31 * DAY);
      expectRefused(await refreshWith(app, rotated.refresh), 401, 'ERR_TOKEN_REVOKED');
    },
  );
});

describe.each(variants)('$name', (variant) => {
  describe.each(kinds)('$name store', (kind) => {
    it('a signed-out session is dead: its access token as cookie or Bearer, and its refresh token', async () => {
      const { app } = sessionOn(variant, kind);
      const s = await login(app);
      expect((await logout(app, s.access)).status).toBe(204);
      expectRefused(await withCookie(app, s.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await withBearer(app, s.access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
      // Signing out again with the dead token is harmless, and a new login works.
      expect((await logout(app, s.access)).status).toBe(204);
      const again = await login(app);
      expect((await withCookie(app, again.access)).status).toBe(200);
    });

    it('/auth/logout with a forged, altered or expired copy of someone else’s token revokes nothing', async () => {
      const { app, at } = sessionOn(variant, kind);
      const victim = await login(app);
      const claims = payloadOf(victim.access);
      const [h, , sig] = victim.access.split('.') as [string, string, string];
      const forged: [string, string][] = [
        [handToken({ alg: 'HS256', typ: 'JWT' }, claims, { hmac: OTHER_SECRET }), 'ERR_SIGNATURE_INVALID'],
        [handToken({ alg: 'none', typ: 'JWT' }, claims, { signature: '' }), 'ERR_ALG_NOT_ALLOWED'],
        [`${victim.access.split('.').slice(0, 2).join('.')}.`, 'ERR_SIGNATURE_INVALID'],
        [
          `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 60 })).toString('base64url')}.${sig}`,
          'ERR_SIGNATURE_INVALID',
        ],
        [
          handToken({ alg: 'HS256', typ: 'refresh+jwt' }, claims, { hmac: OTHER_SECRET }),
          'ERR_SIGNATURE_INVALID',
        ],
      ];
      for (const [token, code] of forged) {
        expect((await logout(app, token)).status).toBe(204);
        expect((await request(app).post('/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(
          204,
        );
        expectRefused(
          await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${token}`),
          401,
          code,
        );
      }
      expect((await withCookie(app, victim.access)).status).toBe(200);

      // 16 minutes on, the victim's access token has expired and the victim has refreshed; the
      // expired copy (say, from a log) carries the same login id, yet revokes nothing.
      at(16 * 60);
      const rotated = await refreshWith(app, victim.refresh);
      expect(rotated.status).toBe(204);
      const fresh = sessionOf(rotated);
      expect((await logout(app, victim.access)).status).toBe(204);
      expect(
        (await request(app).post('/auth/logout').set('Authorization', `Bearer ${victim.access}`)).status,
      ).toBe(204);
      expect((await withCookie(app, fresh.access)).status).toBe(200);
      expect((await refreshWith(app, fresh.refresh)).status).toBe(204);
    });
  });
});

describe('Express 4 with an async route as the README writes it (no wrapper)', () => {
  it('POST /AUTH/logout neither hangs nor leaves an unhandled rejection (which ends the process)', async () => {
    const auth = createAuth({ key: hs256(SECRET), store: memoryStore(), refresh: { expiresIn: '30d' } });
    const app = express4();
    app.post('/auth/logout', async (_req, res) => {
      await signOut(res, auth);
      res.sendStatus(204);
    });
    const token = await auth.issue({ sub: 'user-1' });
    const out = await raw(app, 'POST', '/AUTH/logout', { cookie: `jwt=${token}` });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(escaped).toEqual([]);
    expect(out.status).toBe(204);
  });
});

describe('the core API: which paths the refresh cookie reaches', () => {
  const auth = createAuth({
    key: hs256(SECRET),
    store: memoryStore(),
    refresh: { expiresIn: '30d', path: '/account' },
  });
  it.each([
    '/account',
    '/account?next=/',
    '/account#x',
    '/account/',
    '/account/logout?a=/b',
    '/ACCOUNT/logout',
    'http://app.local/account/logout',
  ])('sign-out at %s is routed under refresh.path: no TypeError', async (path) => {
    await expect(auth.endSession({ headers: {} }, { path }).revoked).resolves.toBeUndefined();
  });
  it.each(['/logout', '/accounts', '/acc', '/', '/logout?next=/account', 'http://account/logout'])(
    'sign-out at %s is outside it: a TypeError',
    (path) => {
      expect(() => auth.endSession({ headers: {} }, { path })).toThrow(TypeError);
    },
  );
});

describe('the core API: a sign-out that fails with an error of the app', () => {
  const failing = async (thrown: unknown): Promise<unknown> => {
    let down = false;
    const auth = createAuth({
      key: hs256(SECRET),
      isRevoked: () => {
        if (down) throw thrown;
        return false;
      },
    });
    const token = await auth.issue({ sub: 'user-1' });
    down = true;
    const { cookies, revoked } = auth.endSession({ headers: { cookie: `jwt=${token}` } });
    expect(cookies.length).toBeGreaterThan(0);
    return revoked.then(
      () => 'resolved',
      (err: unknown) => err,
    );
  };

  it('for Koa, each request’s rejection is a new error: the app’s as its cause, that request’s cookies as its headers', async () => {
    const thrown = new Error('revocation list unreachable');
    const cookies = (name: string): string[] => [`${name}=; Max-Age=0; Path=/`];
    const [one, two] = await Promise.all(
      ['one', 'two'].map((name) =>
        keepingClearingCookies(Promise.reject(thrown), cookies(name)).then(
          () => 'resolved',
          (err: unknown) => err as Error & { headers?: unknown },
        ),
      ),
    );
    expect(one).not.toBe(two);
    for (const [err, name] of [
      [one, 'one'],
      [two, 'two'],
    ] as const) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).cause).toBe(thrown);
      expect((err as { headers?: unknown }).headers).toEqual({ 'Set-Cookie': cookies(name) });
      expect(isAuthError(err)).toBe(false);
    }
    // What Koa's handler reads to render it is the app's: status, and the message only when exposed.
    const notFound = Object.assign(new Error('no such list'), { status: 404, expose: true });
    const hidden = Object.assign(new Error('db password is hunter2'), { statusCode: 502 });
    const [shown, kept] = await Promise.all(
      [notFound, hidden].map((app) =>
        keepingClearingCookies(Promise.reject(app), cookies('one')).catch((e: unknown) => e as Error),
      ),
    );
    expect(shown).toMatchObject({ status: 404, expose: true, message: 'no such list', cause: notFound });
    expect(kept).toMatchObject({ statusCode: 502, cause: hidden });
    expect((kept as Error & { expose?: unknown }).expose).toBeUndefined();
    expect(kept?.message).not.toContain('hunter2');
    const primitive = await keepingClearingCookies(Promise.reject('down'), cookies('one')).then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    );
    expect(primitive).toMatchObject({ cause: 'down', headers: { 'Set-Cookie': cookies('one') } });
    expect(Object.keys(primitive)).toEqual(['headers']);
    const refused = new AuthError('ERR_STORE_UNAVAILABLE');
    expect(
      await keepingClearingCookies(Promise.reject(refused), cookies('one')).catch((e: unknown) => e),
    ).toBe(refused);
    // Not awaited, it takes nothing down.
    void keepingClearingCookies(Promise.reject(thrown), cookies('one'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(escaped).toEqual([]);
  });

  it('rejects with the app’s own error, untouched: it may be thrown again on other requests', async () => {
    const thrown = new Error('revocation list unreachable');
    const err = await failing(thrown);
    expect(err).toBe(thrown);
    expect(Object.keys(thrown)).toEqual([]);
    expect(await failing('down')).toBe('down');
  });
});

// The mistakes a new user makes, each answered clearly: a signIn not awaited, a user mapper that finds
// nobody, a CORS preflight under a global guard, a handler reading a session no guard made.
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuth, hs256, type Claims } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { expectRefused } from '../support/sessions.js';
import { variants } from './apps.js';

const escaped: unknown[] = [];
const warnings: Error[] = [];
const collect = (reason: unknown): void => void escaped.push(reason);
const warn = (warning: Error): void => void warnings.push(warning);
beforeEach(() => {
  escaped.length = 0;
  warnings.length = 0;
  process.on('unhandledRejection', collect);
  process.on('warning', warn);
});
afterEach(() => {
  process.off('unhandledRejection', collect);
  process.off('warning', warn);
});
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe.each(variants)('$name', (variant) => {
  const auth = createAuth({ key: hs256(SECRET) });
  const app = variant.build(auth);
  const token = (sub = 'user-1'): Promise<string> => auth.issue({ sub, role: 'member' });

  it('signIn not awaited: a clear TypeError as a process warning, never a crash or an unhandled rejection', async () => {
    const res = await request(app).post('/login-unawaited');
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
    await settle();
    expect(escaped).toEqual([]);
    expect(warnings.map((w) => w.message)).toContain(
      'jwt-gate: signIn must be awaited before the response is sent: the session cookie came too late',
    );
    // The server goes on serving.
    expect((await request(app).post('/login')).status).toBe(204);
  });

  it('a CORS preflight: answered 204 by the guard itself, or passed on to a CORS handler that follows (preflight: "next")', async () => {
    const preflight = (path: string): request.Test =>
      request(app)
        .options(path)
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET');
    const passed = await preflight('/api/items');
    expect(passed.status).toBe(204);
    expect(passed.headers['access-control-allow-origin']).toBe('https://app.example');
    // The default: the guard answers, and the every-method handler after it never runs without a user.
    const answered = await preflight('/vault/secret');
    expect(answered.status).toBe(204);
    expect(answered.text).toBe('');
    expectRefused(await request(app).get('/vault/secret'), 401, 'ERR_TOKEN_MISSING');
    expect(
      (
        await request(app)
          .get('/vault/secret')
          .set('Authorization', `Bearer ${await token()}`)
      ).body,
    ).toEqual({ secret: 'VAULT' });
    // An OPTIONS that is no preflight is an ordinary request.
    expectRefused(await request(app).options('/api/items'), 401, 'ERR_TOKEN_MISSING');
    expectRefused(await request(app).get('/api/items'), 401, 'ERR_TOKEN_MISSING');
    expect(
      (
        await request(app)
          .get('/api/items')
          .set('Authorization', `Bearer ${await token()}`)
      ).status,
    ).toBe(200);
  });

  it('unless: the listed public paths go on without a token; every other path under the guard needs one', async () => {
    for (const path of ['/api/health', '/api/health?verbose=1', '/api/public/page']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.body).toMatchObject({ user: null });
    }
    for (const path of ['/api/items', '/api/healthz', '/api/health/../items', '/api/public'])
      expectRefused(await request(app).get(path), 401, 'ERR_TOKEN_MISSING');
  });

  it('optionalAuth with invalid: "refuse": no token goes on anonymously, a bad token is a 401', async () => {
    expect((await request(app).get('/optional-strict')).body).toMatchObject({ user: null, authError: null });
    expectRefused(
      await request(app).get('/optional-strict').set('Authorization', 'Bearer a.b.c'),
      401,
      'ERR_TOKEN_MALFORMED',
    );
    expect(
      (
        await request(app)
          .get('/optional-strict')
          .set('Authorization', `Bearer ${await token()}`)
      ).body,
    ).toMatchObject({ user: { sub: 'user-1' } });
    // The default keeps going on anonymously, the error kept aside.
    expect((await request(app).get('/optional').set('Authorization', 'Bearer a.b.c')).body).toMatchObject({
      user: null,
      authError: 'ERR_TOKEN_MALFORMED',
    });
  });

  it('authOf reads the session typed by its Auth; property renames req.auth / ctx.state.auth', async () => {
    const res = await request(app)
      .get('/typed')
      .set('Authorization', `Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user: { sub: 'user-1' },
      claims: { sub: 'user-1', role: 'member' },
      source: 'bearer',
      jwt: { sub: 'user-1', role: 'member' },
      auth: null,
    });
  });

  it('authOf where no guard ran: a TypeError (500), never a silent undefined', async () => {
    expect((await request(app).get('/unguarded')).status).toBe(500);
  });
});

describe.each(variants)('$name: a user mapper that finds nobody', (variant) => {
  const users = new Map([['user-1', { id: 'user-1', name: 'Ada' }]]);
  // false too: passport's verify callbacks say `done(null, false)` for nobody, and apps carry it over.
  for (const missing of [null, undefined, false] as const) {
    it(`returning ${String(missing)}: 401 ERR_USER_NOT_FOUND under requireAuth, anonymous under optionalAuth`, async () => {
      const auth = createAuth({
        key: hs256(SECRET),
        user: async (claims: Claims) => users.get(claims.sub ?? '') ?? missing,
      });
      const app = variant.build(auth);
      const ghost = await auth.issue({ sub: 'deleted-user' });
      expectRefused(
        await request(app).get('/required').set('Authorization', `Bearer ${ghost}`),
        401,
        'ERR_USER_NOT_FOUND',
      );
      expect(
        (await request(app).get('/optional').set('Authorization', `Bearer ${ghost}`)).body,
      ).toMatchObject({ user: null, authError: 'ERR_USER_NOT_FOUND' });
      const ada = await auth.issue({ sub: 'user-1' });
      expect((await request(app).get('/required').set('Authorization', `Bearer ${ada}`)).body).toMatchObject({
        user: { name: 'Ada' },
      });
    });
  }
});

describe('unless, as a rule', () => {
  it('matches the path exactly or by pattern, case and all, the query left out; methods in any case', async () => {
    const { resolveSkip } = await import('../../src/adapter-kit/skip.js');
    const skip = resolveSkip({ path: ['/health', /^\/public\//g], method: ['get'] })!;
    expect(skip('POST', '/health?x=1')).toBe(true);
    expect(skip('POST', '/public/a')).toBe(true);
    expect(skip('POST', '/public/a')).toBe(true);
    expect(skip('POST', '/Health')).toBe(false);
    expect(skip('POST', '/health/')).toBe(false);
    expect(skip('GET', '/private')).toBe(true);
    expect(skip('POST', undefined)).toBe(false);
    expect(resolveSkip({})).toBeUndefined();
  });
});

describe('option errors', () => {
  const auth = createAuth({ key: hs256(SECRET) });
  it.each([
    [{ invalid: 'refuse' }, 'required', /optionalAuth option/],
    [{ invalid: 'maybe' }, 'optional', /"invalid" must be/],
    [{ property: '__proto__' }, 'optional', /"property"/],
    [{ property: 'user' }, 'required', /"property"/],
    [{ property: 'a-b' }, 'required', /"property"/],
    [{ unless: { path: 'health' } }, 'required', /"unless.path"/],
    [{ unless: { paths: ['/health'] } }, 'required', /unknown unless option "paths"/],
    [{ preflight: 'pass' }, 'required', /"preflight" must be "answer" or "next"/],
  ] as const)('%j on %s is refused at start-up', async (options, mode, message) => {
    const { createGuard } = await import('../../src/adapter-kit/index.js');
    expect(() => createGuard(auth, options as never, mode)).toThrow(message);
  });
});

describe('options of express-jwt and koa-jwt name what replaces them', () => {
  it.each([
    [{ secret: SECRET }, /unknown createAuth option "secret": use key: hs256\(secret\)/],
    [{ algorithms: ['HS256'] }, /the key decides the algorithm/],
    [{ credentialsRequired: false }, /use optionalAuth \(with \{ invalid: "refuse" \}/],
    [{ passthrough: true }, /use optionalAuth/],
    [{ requestProperty: 'user' }, /pass \{ property \}/],
    [{ tokenKey: 'token' }, /authOf\(req, auth\)\.token/],
    [{ onExpired: () => undefined }, /req\.authError/],
    [{ debug: true }, /use onEvent/],
  ])('%j', (extra, message) => {
    expect(() => createAuth({ key: hs256(SECRET), ...(extra as object) })).toThrow(message);
  });

  it('a string key or cookie, as koa-jwt takes them', () => {
    expect(() => createAuth({ key: 'user' as never })).toThrow(/the secret goes in hs256\(secret\)/);
    expect(() => createAuth({ key: hs256(SECRET), cookie: 'session' as never })).toThrow(
      /a cookie name goes in cookie: \{ name \}/,
    );
  });
});

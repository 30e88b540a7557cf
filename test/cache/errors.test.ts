// Errors on a miss and on a hit alike: rejected promises, never synchronous throws, with their code and realm.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AuthError, createAuth, hs256, memoryStore, type AuthOptions } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { NOW_MS, SECRET, fixedNow, refusal } from '../helpers.js';
import { claims, good, noSyncThrow, options, verdict } from '../support/cache.js';

describe('errors always come back as rejected promises, with their code and realm', () => {
  const auth = createAuth(options({ realm: 'shop' }));

  it.each([
    ['123', 123],
    ['undefined', undefined],
    ['null', null],
    ['an object', {}],
    ['an array', [good]],
    ['a String object of a cached token', new String(good)],
    ['an object whose toString is a cached token', { toString: () => good }],
    ['a boxed-less empty string', ''],
    ['a cached token with a NUL', `${good}\u0000`],
    ['a 1 MB string', 'a'.repeat(1 << 20)],
  ])('verify(%s) rejects ERR_TOKEN_MALFORMED without throwing', async (_name, input) => {
    await auth.verify(good);
    const pending = noSyncThrow(() => auth.verify(input as string));
    expect(pending).toBeInstanceOf(Promise);
    const err = await refusal(pending);
    expect(err.code).toBe('ERR_TOKEN_MALFORMED');
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
  });

  it.each([
    ['a number', () => 123, 'ERR_TOKEN_MALFORMED'],
    ['an object', () => ({ token: good }), 'ERR_TOKEN_MALFORMED'],
    ['true', () => true, 'ERR_TOKEN_MALFORMED'],
    ['false', () => false, 'ERR_TOKEN_MALFORMED'],
    ['0', () => 0, 'ERR_TOKEN_MALFORMED'],
    ['a promise of a number', () => Promise.resolve(42), 'ERR_TOKEN_MALFORMED'],
    [
      'a thenable of a bad token',
      () => ({ then: (resolve: (v: string) => void) => resolve('x.y.z') }),
      'ERR_TOKEN_MALFORMED',
    ],
    [
      'a throw',
      () => {
        throw new AuthError('ERR_BAD_REQUEST');
      },
      'ERR_BAD_REQUEST',
    ],
    ['a rejected promise', () => Promise.reject(new AuthError('ERR_BAD_REQUEST')), 'ERR_BAD_REQUEST'],
  ])('getToken returning %s: a rejected promise with the realm', async (_name, getToken, code) => {
    const withGetter = createAuth(
      options({ realm: 'shop', getToken: getToken as unknown as NonNullable<AuthOptions['getToken']> }),
    );
    const pending = noSyncThrow(() => withGetter.authenticate({ headers: {} }));
    const err = await refusal(pending);
    expect(err.code).toBe(code);
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
  });

  it.each([
    ['null', () => null],
    ['undefined', () => undefined],
    ['an empty string', () => ''],
    ['a promise of null', () => Promise.resolve(null)],
  ])('getToken returning %s: no token, null', async (_name, getToken) => {
    const withGetter = createAuth(
      options({ getToken: getToken as unknown as NonNullable<AuthOptions['getToken']> }),
    );
    await expect(withGetter.authenticate({ headers: {} })).resolves.toBeNull();
  });

  it('getToken returning a cached token, sync or async, gives the same claims as the header does', async () => {
    const sync = createAuth(options({ getToken: () => good }));
    const later = createAuth(options({ getToken: async () => good }));
    for (let i = 0; i < 2; i++) {
      await expect(sync.authenticate({ headers: {} })).resolves.toMatchObject({
        token: good,
        claims: { sub: 'user-1' },
      });
      await expect(later.authenticate({ headers: {} })).resolves.toMatchObject({
        token: good,
        claims: { sub: 'user-1' },
      });
    }
  });

  it.each([
    ['a null request', null],
    ['a request without headers', {}],
    ['a numeric Authorization header', { headers: { authorization: 123 } }],
    ['two Authorization headers', { headers: { authorization: [`Bearer ${good}`, `Bearer ${good}`] } }],
    ['an array cookie header with a number', { headers: { cookie: ['jwt=a', 5] } }],
  ])('authenticate(%s) never throws synchronously', async (_name, req) => {
    await auth.verify(good);
    const pending = noSyncThrow(() => auth.authenticate(req as never));
    expect(pending).toBeInstanceOf(Promise);
    const outcome = await verdict(pending);
    expect(outcome).not.toBe('ok');
    if (req !== null && 'headers' in req) expect(outcome).toBe('ERR_BAD_REQUEST');
  });

  it.each(['sync', 'async'] as const)(
    'a %s user mapper that fails, on a miss and on a hit: rejected, never thrown',
    async (mode) => {
      const failing = createAuth(
        options({
          realm: 'shop',
          user:
            mode === 'sync'
              ? () => {
                  throw new TypeError('mapper down');
                }
              : () => Promise.reject(new TypeError('mapper down')),
        }),
      );
      const forbidden = createAuth(
        options({
          realm: 'shop',
          user:
            mode === 'sync'
              ? () => {
                  throw new AuthError('ERR_FORBIDDEN');
                }
              : () => Promise.reject(new AuthError('ERR_FORBIDDEN')),
        }),
      );
      for (let i = 0; i < 2; i++) {
        const req = { headers: { authorization: `Bearer ${good}` } };
        await expect(noSyncThrow(() => failing.authenticate(req))).rejects.toThrow('mapper down');
        const err = await refusal(noSyncThrow(() => forbidden.authenticate(req)));
        expect(err.code).toBe('ERR_FORBIDDEN');
        expect(err.status).toBe(403);
      }
    },
  );

  it('errors decided on a hit (revoked, expired, store down) carry the realm, through verify and authenticate', async () => {
    let now = NOW_MS;
    let revoked = false;
    const a = createAuth(options({ realm: 'shop', now: () => now, isRevoked: () => revoked }));
    await a.verify(good);
    revoked = true;
    for (const call of [
      (): Promise<unknown> => a.verify(good),
      (): Promise<unknown> => a.authenticate({ headers: { authorization: `Bearer ${good}` } }),
    ]) {
      const err = await refusal(noSyncThrow(call));
      expect(err.code).toBe('ERR_TOKEN_REVOKED');
      expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
    }
    revoked = false;
    now = (claims.exp + 1) * 1000;
    const err = await refusal(noSyncThrow(() => a.verify(good)));
    expect(err.code).toBe('ERR_TOKEN_EXPIRED');
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
    let storeDown = false;
    const inner = memoryStore({ now: fixedNow });
    const b = createAuth({
      key: hs256(SECRET),
      now: fixedNow,
      realm: 'shop',
      store: {
        ...inner,
        status: (ids, sub) => (storeDown ? Promise.reject(new Error('down')) : inner.status(ids, sub)),
      },
    });
    await b.verify(good);
    storeDown = true;
    await expect(b.verify(good)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
  });
});

describe('what still runs on a hit: the user mapper and the CSRF check', () => {
  describe.each(variants)('$name, cache on', ({ build }) => {
    it('a user mapper that throws (sync) or rejects is a 500 on the miss and on the hit, and the app keeps serving', async () => {
      for (const user of [
        () => {
          throw new Error('mapper down');
        },
        () => Promise.reject(new Error('mapper down')),
      ]) {
        const app = build(createAuth({ key: hs256(SECRET), now: fixedNow, store: false, user }));
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/required').set('Authorization', `Bearer ${good}`);
          expect(res.status).toBe(500);
        }
        expect((await request(app).get('/required')).status).toBe(401);
      }
    });

    it('a user mapper that throws an AuthError answers with it, on the miss and on the hit', async () => {
      const app = build(
        createAuth({
          key: hs256(SECRET),
          now: fixedNow,
          store: false,
          realm: 'shop',
          user: () => {
            throw new AuthError('ERR_TOKEN_REVOKED');
          },
        }),
      );
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/required').set('Authorization', `Bearer ${good}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
        expect(res.headers['www-authenticate']).toContain('realm="shop"');
      }
    });
  });

  it('CSRF is checked on every hit: a cross-site POST with a cached cookie token is 403 ERR_CSRF each time', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
    const cookie = { cookie: `jwt=${good}` };
    await expect(auth.authenticate({ headers: cookie })).resolves.toMatchObject({
      claims: { sub: 'user-1' },
    });
    for (let i = 0; i < 2; i++) {
      const req = {
        method: 'POST',
        headers: { ...cookie, 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
      };
      await expect(noSyncThrow(() => auth.authenticate(req as never))).rejects.toMatchObject({
        code: 'ERR_CSRF',
        status: 403,
      });
      await expect(
        auth.authenticate({ method: 'POST', headers: { ...cookie, 'sec-fetch-site': 'same-origin' } }),
      ).resolves.toBeTruthy();
    }
  });
});

// jwt-gate/passport with each of passport's options, where passport does not drive it, with a session
// store that is down, and with CSRF: through real Express 5 + passport 0.7 apps.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { JwtGateStrategy } from '../../adapters/passport.js';
import { createAuth, hs256, memoryStore, type AuthOptions, type SessionStore } from '../../src/index.js';
import { SECRET, fixedNow } from '../helpers.js';
import { appWith, onError } from './passport-apps.js';

const auth = createAuth({ key: hs256(SECRET), now: fixedNow });
const strategy = new JwtGateStrategy(auth);

describe("jwt-gate/passport: passport's options", () => {
  it('failureRedirect: a refusal redirects there', async () => {
    const res = await request(appWith(strategy, { failureRedirect: '/login' }))
      .get('/me')
      .set('Authorization', 'Bearer not-a-jwt');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login');
  });

  it('assignProperty: the user on req[assignProperty], req.user untouched', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(appWith(strategy, { assignProperty: 'account' }))
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: null, assigned: { sub: 'user-1' } });
  });

  it('without passport.initialize(): the same answers', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const app = appWith(strategy, {}, false);
    expect((await request(app).get('/me').set('Authorization', `Bearer ${token}`)).body.user).toMatchObject({
      sub: 'user-1',
    });
    expect((await request(app).get('/me')).status).toBe(401);
  });

  it("session: true (forgotten) and no session support: passport's own 500, the token not stored", async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(appWith(strategy, { session: true }))
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(/session/i);
  });

  it('a custom callback that throws: the app error handler gets it once, no crash, no second call', async () => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    const app = express();
    let calls = 0;
    app.get('/cb', (req, res, next) => {
      (
        authenticator.authenticate('jwt-gate', { session: false }, () => {
          calls += 1;
          throw new Error('callback bug');
        }) as RequestHandler
      )(req, res, next);
    });
    app.use(onError);
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(app).get('/cb').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ message: 'callback bug' });
    expect(calls).toBe(1);
  });
});

describe('jwt-gate/passport: where passport does not drive it', () => {
  it('authenticate called on the strategy itself: a TypeError saying so, never an unhandled rejection', () => {
    const req = { headers: {}, method: 'GET', url: '/' } as unknown as IncomingMessage;
    expect(() => strategy.authenticate(req)).toThrow(/jwt-gate\/passport: .*passport/);
  });

  it("passport on Node's http server (no Express, no req.res): refusals and users as in Express", async () => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    const middleware = authenticator.authenticate('jwt-gate', { session: false }) as unknown as (
      req: IncomingMessage,
      res: ServerResponse,
      next: (err?: unknown) => void,
    ) => void;
    const server = createServer((req, res) => {
      middleware(req, res, (err?: unknown) => {
        res.statusCode = err === undefined ? 200 : 500;
        res.end(JSON.stringify((req as { user?: unknown }).user ?? null));
      });
    });
    const token = await auth.issue({ sub: 'user-1' });
    expect((await request(server).get('/').set('Authorization', `Bearer ${token}`)).text).toContain('user-1');
    const refused = await request(server).get('/').set('Authorization', 'Bearer x');
    expect(refused.status).toBe(401);
  });
});

// A store whose every call fails: the outage passport's error, a 503, never a 401, never accepted.
function failingStore(mode: 'throw' | 'reject'): SessionStore {
  const fail =
    mode === 'throw'
      ? (): never => {
          throw new Error('store down');
        }
      : async (): Promise<never> => Promise.reject(new Error('store down'));
  return { ...memoryStore(), revoke: fail, revokeSubject: fail, status: fail, useOnce: fail };
}

describe('jwt-gate/passport: a session store that is down', () => {
  it.each(['throw', 'reject'] as const)('a store that %ss: 503 through the error handler', async (mode) => {
    const issuing = createAuth({ key: hs256(SECRET), now: fixedNow, store: memoryStore() });
    const down = createAuth({ key: hs256(SECRET), now: fixedNow, store: failingStore(mode) });
    const { token } = await issuing.startSession({ sub: 'user-1' });
    for (const options of [{}, { failWithError: true }]) {
      const res = await request(appWith(new JwtGateStrategy(down), options))
        .get('/me')
        .set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(503);
      expect(res.body.user).toBeUndefined();
      expect(res.body.error).toMatchObject({ name: 'AuthError', status: 503 });
    }
  });
});

describe('jwt-gate/passport: CSRF through the strategy', () => {
  const withCsrf = (extra: Partial<AuthOptions> = {}) =>
    createAuth({ key: hs256(SECRET), now: fixedNow, csrf: { header: 'x-csrf-token' }, ...extra });

  it('a cookie token on POST without the CSRF header: 403 ERR_CSRF as requireAuth; with it, accepted', async () => {
    const csrfAuth = withCsrf();
    const started = await csrfAuth.startSession({ sub: 'user-1' });
    const app = appWith(new JwtGateStrategy(csrfAuth), { failWithError: true });
    const cookies = started.cookies.map((c) => c.split(';')[0]).join('; ');
    const without = await request(app).post('/me').set('Cookie', cookies);
    expect(without.status).toBe(403);
    expect(without.body).toMatchObject({ authError: 'ERR_CSRF' });
    const csrf = /csrf=([^;]+)/.exec(cookies)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const withHeader = await request(app).post('/me').set('Cookie', cookies).set('X-CSRF-Token', csrf);
    expect(withHeader.status).toBe(200);
    const bearer = await request(app).post('/me').set('Authorization', `Bearer ${started.token}`);
    expect(bearer.status).toBe(200);
  });
});

describe('jwt-gate/passport: renewal through a custom callback', () => {
  it('the renewed cookie is on the response the callback sends; none when the role check refuses', async () => {
    let now = fixedNow();
    const sliding = createAuth({
      key: hs256(SECRET),
      now: () => now,
      expiresIn: '1h',
      renew: { after: 0.5, maxAge: '12h' },
    });
    const { token } = await sliding.startSession({ sub: 'user-1', role: 'member' });
    now += 40 * 60_000;
    const cookiesOf = async (s: JwtGateStrategy): Promise<readonly string[]> => {
      const authenticator = new passport.Passport();
      authenticator.use(s);
      const app = express();
      app.get('/cb', (req, res, next) => {
        (
          authenticator.authenticate('jwt-gate', { session: false }, (_e: unknown, user: unknown) => {
            res.status(user ? 200 : 401).json({ user });
          }) as RequestHandler
        )(req, res, next);
      });
      const res = await request(app).get('/cb').set('Cookie', `jwt=${token}`);
      return (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    };
    const renewed = await cookiesOf(new JwtGateStrategy(sliding));
    expect(renewed.some((c) => c.startsWith('jwt=') && !c.startsWith(`jwt=${token};`))).toBe(true);
    expect(await cookiesOf(new JwtGateStrategy(sliding, { roles: ['admin'] }))).toEqual([]);
  });
});

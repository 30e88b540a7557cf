// jwt-gate/passport in an Express app, through passport's own authenticate middleware: what reaches the
// handlers, what passport answers for a refusal, and how failWithError and custom callbacks see it.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { authOf, withUser } from '../../adapters/express.js';
import { JwtGateStrategy, type JwtGateInfo } from '../../adapters/passport.js';
import { AuthError, createAuth, hs256, type Claims, type KeyProvider } from '../../src/index.js';
import { NOW_MS, OTHER_SECRET, SECRET, fixedNow } from '../helpers.js';

type Authenticator = InstanceType<typeof passport.Passport>;

// The app's error handler: what passport's error (or failWithError) handed on.
const onError: ErrorRequestHandler = (
  err: { name?: string; status?: number; code?: string },
  req,
  res,
  _next,
) => {
  res
    .status(err.status ?? 500)
    .json({ handlerError: err.name, status: err.status, authError: req.authError?.code });
};

function appWith(
  strategy: JwtGateStrategy<unknown>,
  options: passport.AuthenticateOptions = {},
): { app: express.Express; passport: Authenticator } {
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  const app = express();
  app.use(authenticator.initialize());
  const guard = authenticator.authenticate('jwt-gate', { session: false, ...options }) as RequestHandler;
  app.all('/me', guard, (req, res) => {
    res.json({ user: req.user, authInfo: req.authInfo });
  });
  app.use(onError);
  return { app, passport: authenticator };
}

const auth = createAuth({ key: hs256(SECRET), now: fixedNow });
const strategy = new JwtGateStrategy(auth);

describe('jwt-gate/passport: the strategy', () => {
  it("is named 'jwt-gate' and holds its Auth", () => {
    expect(strategy.name).toBe('jwt-gate');
    expect(strategy.auth).toBe(auth);
  });

  it('a Bearer token: req.user is the claims, req.authInfo { claims, source }', async () => {
    const token = await auth.issue({ sub: 'user-1', role: 'admin' });
    const res = await request(appWith(strategy).app).get('/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ sub: 'user-1', role: 'admin' });
    expect(res.body.authInfo).toEqual({ claims: res.body.user, source: 'bearer' });
  });

  it('the session cookie, as the Auth reads it', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(appWith(strategy).app).get('/me').set('Cookie', `jwt=${token}`);
    expect(res.status).toBe(200);
    expect(res.body.authInfo).toMatchObject({ source: 'cookie', claims: { sub: 'user-1' } });
  });

  it('no token: 401 with the bare challenge, and no handler reached', async () => {
    const res = await request(appWith(strategy).app).get('/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.text).toBe('Unauthorized');
  });

  it.each([
    ['expired', 'token expired', async () => auth.issue({ sub: 'u' }, { expiresIn: 1 }), 3_600_000],
    [
      'another secret',
      'token signature invalid',
      async () => createAuth({ key: hs256(OTHER_SECRET), now: fixedNow }).issue({ sub: 'u' }),
      0,
    ],
    ['not a JWT', 'token malformed', async () => 'not-a-jwt', 0],
  ])(
    '%s: 401 with error="invalid_token", the token never echoed',
    async (_name, description, make, later) => {
      const token = await make();
      const late = new JwtGateStrategy(createAuth({ key: hs256(SECRET), now: () => NOW_MS + later }));
      const res = await request(appWith(late).app).get('/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(
        new RegExp(`^Bearer realm="api", error="invalid_token", error_description="${description}"$`),
      );
      expect(res.text).not.toContain(token);
    },
  );

  it('a Bearer header with two credentials: 400 (RFC 6750 invalid_request)', async () => {
    const res = await request(appWith(strategy).app).get('/me').set('Authorization', 'Bearer a b');
    expect(res.status).toBe(400);
  });

  it('roles: 403 without the role, through passport', async () => {
    const admins = new JwtGateStrategy(auth, { roles: ['admin'] });
    const member = await auth.issue({ sub: 'u', role: 'member' });
    const admin = await auth.issue({ sub: 'a', role: 'admin' });
    const { app } = appWith(admins);
    expect((await request(app).get('/me').set('Authorization', `Bearer ${member}`)).status).toBe(403);
    expect((await request(app).get('/me').set('Authorization', `Bearer ${admin}`)).status).toBe(200);
  });

  it("the user mapper's result is req.user; one that finds nobody (null or false) is a 401", async () => {
    const users = new Map([['user-1', { id: 'user-1', name: 'Ada' }]]);
    const mapped = createAuth({
      key: hs256(SECRET),
      now: fixedNow,
      user: async (claims: Claims) => users.get(claims.sub ?? '') ?? false,
    });
    const { app } = appWith(new JwtGateStrategy(mapped));
    const ada = await mapped.issue({ sub: 'user-1' });
    expect((await request(app).get('/me').set('Authorization', `Bearer ${ada}`)).body.user).toEqual({
      id: 'user-1',
      name: 'Ada',
    });
    const ghost = await request(app)
      .get('/me')
      .set('Authorization', `Bearer ${await mapped.issue({ sub: 'gone' })}`);
    expect(ghost.status).toBe(401);
    expect(ghost.headers['www-authenticate']).toContain('error_description="token user not found"');
  });

  it("a user mapper that throws: passport's error, the app's handler answers (never a 401)", async () => {
    const broken = createAuth({
      key: hs256(SECRET),
      now: fixedNow,
      user: (): never => {
        throw new TypeError('users database down');
      },
    });
    const res = await request(appWith(new JwtGateStrategy(broken)).app)
      .get('/me')
      .set('Authorization', `Bearer ${await broken.issue({ sub: 'u' })}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ handlerError: 'TypeError' });
  });

  it("an outage (keys unavailable): passport's error, the AuthError's 503, never a 401", async () => {
    const key = hs256(SECRET);
    const down: KeyProvider = {
      algorithms: key.algorithms,
      verifyKey: () => {
        throw new AuthError('ERR_KEYS_UNAVAILABLE');
      },
    };
    const token = await auth.issue({ sub: 'u' });
    const outage = createAuth({ key: down, now: fixedNow });
    const res = await request(appWith(new JwtGateStrategy(outage)).app)
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ handlerError: 'AuthError', status: 503 });
  });

  it('failWithError: the app handler is given 401, and req.authError its stable code', async () => {
    const token = await auth.issue({ sub: 'u' }, { expiresIn: 1 });
    const late = new JwtGateStrategy(createAuth({ key: hs256(SECRET), now: () => NOW_MS + 3_600_000 }));
    const res = await request(appWith(late, { failWithError: true }).app)
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      handlerError: 'AuthenticationError',
      status: 401,
      authError: 'ERR_TOKEN_EXPIRED',
    });
    expect(res.headers['www-authenticate']).toContain('error_description="token expired"');
  });

  it('a custom callback: (null, user, info) on success, (null, false, challenge, status) on a refusal', async () => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    const app = express();
    app.get('/cb', (req, res, next) => {
      const callback = (err: unknown, user: unknown, info: unknown, status: unknown): void => {
        res.json({ err: err ?? null, user, info, status: status ?? null, code: req.authError?.code ?? null });
      };
      (authenticator.authenticate('jwt-gate', { session: false }, callback) as RequestHandler)(
        req,
        res,
        next,
      );
    });
    const token = await auth.issue({ sub: 'user-1' });
    const ok = (await request(app).get('/cb').set('Authorization', `Bearer ${token}`)).body;
    expect(ok).toMatchObject({ err: null, user: { sub: 'user-1' }, info: { source: 'bearer' }, code: null });
    const refused = (await request(app).get('/cb').set('Authorization', 'Bearer not-a-jwt')).body;
    expect(refused).toEqual({
      err: null,
      user: false,
      info: 'Bearer realm="api", error="invalid_token", error_description="token malformed"',
      status: 401,
      code: 'ERR_TOKEN_MALFORMED',
    });
  });

  it("a refusal lets passport try the next strategy: ['jwt-gate', 'anonymous']", async () => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    authenticator.use('anonymous', {
      authenticate(this: { pass(): void }) {
        this.pass();
      },
    } as passport.Strategy);
    const app = express();
    app.get(
      '/feed',
      authenticator.authenticate(['jwt-gate', 'anonymous'], { session: false }) as RequestHandler,
      (req, res) => {
        res.json({ user: req.user ?? null, why: req.authError?.code ?? null });
      },
    );
    expect((await request(app).get('/feed').set('Authorization', 'Bearer x.y.z')).body).toEqual({
      user: null,
      why: 'ERR_TOKEN_MALFORMED',
    });
    const token = await auth.issue({ sub: 'user-1' });
    expect((await request(app).get('/feed').set('Authorization', `Bearer ${token}`)).body).toMatchObject({
      user: { sub: 'user-1' },
      why: null,
    });
  });

  it("jwt-gate/express's authOf and withUser find the session the strategy accepted", async () => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    const app = express();
    const guard = authenticator.authenticate('jwt-gate', { session: false }) as RequestHandler;
    app.get(
      '/typed',
      guard,
      withUser(auth, (req, res) => {
        res.json({
          sub: req.user.sub ?? null,
          token: authOf(req as unknown as express.Request, auth).token.length > 0,
        });
      }),
    );
    app.use(onError);
    const token = await auth.issue({ sub: 'user-1' });
    expect((await request(app).get('/typed').set('Authorization', `Bearer ${token}`)).body).toEqual({
      sub: 'user-1',
      token: true,
    });
  });

  it('a cookie past half its lifetime is renewed (renew), the fresh cookie on the response', async () => {
    let now = NOW_MS;
    const sliding = createAuth({
      key: hs256(SECRET),
      now: () => now,
      expiresIn: '1h',
      renew: { after: 0.5, maxAge: '12h' },
    });
    const { token } = await sliding.startSession({ sub: 'user-1' });
    now += 40 * 60_000;
    const res = await request(appWith(new JwtGateStrategy(sliding)).app)
      .get('/me')
      .set('Cookie', `jwt=${token}`);
    expect(res.status).toBe(200);
    const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    expect(cookies.some((c) => c.startsWith('jwt=') && !c.startsWith(`jwt=${token};`))).toBe(true);
  });

  it('a cross-site POST with the session cookie: 403 ERR_CSRF, on req.authError', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(appWith(strategy, { failWithError: true }).app)
      .post('/me')
      .set('Cookie', `jwt=${token}`)
      .set('Sec-Fetch-Site', 'cross-site');
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ handlerError: 'AuthenticationError', status: 403, authError: 'ERR_CSRF' });
  });

  it("a CORS preflight is answered 204 by the strategy; preflight: 'next' passes it on", async () => {
    const preflight = (app: express.Express): request.Test =>
      request(app)
        .options('/me')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET');
    const answered = await preflight(appWith(strategy).app);
    expect(answered.status).toBe(204);
    const passed = await preflight(appWith(new JwtGateStrategy(auth, { preflight: 'next' })).app);
    expect(passed.status).toBe(200);
    expect(passed.body).toEqual({});
  });

  it('an unknown option, or options that are no object: a TypeError at construction', () => {
    expect(() => new JwtGateStrategy(auth, { session: false } as never)).toThrow(
      /jwt-gate\/passport: unknown option "session"/,
    );
    expect(() => new JwtGateStrategy(auth, null as never)).toThrow(TypeError);
    expect(() => new JwtGateStrategy(auth, { preflight: 'skip' } as never)).toThrow(TypeError);
  });

  it('takes AuthOptions and builds the Auth itself', async () => {
    const own = new JwtGateStrategy({ key: hs256(SECRET), now: fixedNow });
    const res = await request(appWith(own).app)
      .get('/me')
      .set('Authorization', `Bearer ${await own.auth.issue({ sub: 'user-1' })}`);
    expect(res.body.user).toMatchObject({ sub: 'user-1' });
  });

  it("types: passport.use takes it; success is given the Auth's user and JwtGateInfo", () => {
    const typed = createAuth({ key: hs256(SECRET), user: (claims) => ({ id: claims.sub ?? '' }) });
    const s = new JwtGateStrategy(typed);
    expectTypeOf(s).toEqualTypeOf<JwtGateStrategy<{ id: string }>>();
    expectTypeOf<Parameters<JwtGateStrategy<{ id: string }>['success']>>().toEqualTypeOf<
      [user: { id: string }, info: JwtGateInfo]
    >();
    const authenticator = new passport.Passport();
    expect(authenticator.use(s).use('admin', new JwtGateStrategy(typed, { roles: ['admin'] }))).toBe(
      authenticator,
    );
    // @ts-expect-error roles are strings
    expect(() => new JwtGateStrategy(typed, { roles: [1] })).toThrow(TypeError);
  });
});

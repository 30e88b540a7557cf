// Sessions in a Passport app: passport authenticates with JwtGateStrategy, jwt-gate/express's signIn, signOut
// and refreshHandler keep the cookie session, on one Auth (docs/migrating-from-passport-jwt.md, "Sessions").
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { refreshHandler, signIn, signOut } from '../../adapters/express.js';
import { JwtGateStrategy } from '../../adapters/passport.js';
import { createAuth, hs256, isAuthError, toHttpError, type Auth } from '../../src/index.js';
import { NOW_MS, SECRET } from '../helpers.js';
import { cookiesOf, sessionOf, type Session } from '../support/sessions.js';

let now = NOW_MS;
const MINUTE = 60_000;

function passportApp(auth: Auth): express.Express {
  const authenticator = new passport.Passport();
  authenticator.use(new JwtGateStrategy(auth));
  const jwtGate = authenticator.authenticate('jwt-gate', {
    session: false,
    failWithError: true,
  }) as RequestHandler;
  const app = express();
  app.use(authenticator.initialize());
  app.post('/auth/login', express.json(), async (req, res) => {
    const { name } = req.body as { name?: unknown };
    if (name !== 'ada') {
      res.sendStatus(401);
      return;
    }
    await signIn(res, auth, { sub: 'user-1' });
    res.sendStatus(204);
  });
  app.get('/me', jwtGate, (req, res) => {
    res.json({ user: req.user });
  });
  app.post('/auth/refresh', refreshHandler(auth));
  app.post('/auth/logout', async (_req, res) => {
    await signOut(res, auth);
    res.sendStatus(204);
  });
  app.post('/auth/logout-everywhere', jwtGate, async (_req, res) => {
    await signOut(res, auth, { everywhere: true });
    res.sendStatus(204);
  });
  const onError: ErrorRequestHandler = (err: { status?: number }, req, res, _next) => {
    if (isAuthError(err)) {
      const { status, headers, body } = toHttpError(err, auth.realm);
      res.status(status).set(headers).json(body);
      return;
    }
    // passport's AuthenticationError (failWithError): the strategy left the AuthError on req.authError.
    res.status(err.status ?? 500).json({ code: req.authError?.code ?? null });
  };
  app.use(onError);
  return app;
}

const cookieHeader = ({ access, refresh }: Session): string => `jwt=${access}; jwt-refresh=${refresh}`;

describe('a Passport app with jwt-gate/express sessions', () => {
  let auth: Auth;
  let app: express.Express;
  beforeEach(() => {
    now = NOW_MS;
    auth = createAuth({
      key: hs256(SECRET),
      now: () => now,
      expiresIn: '15m',
      refresh: { expiresIn: '30d' },
    });
    app = passportApp(auth);
  });

  async function login(): Promise<Session> {
    const res = await request(app).post('/auth/login').send({ name: 'ada' });
    expect(res.status).toBe(204);
    return sessionOf(res);
  }
  const me = (session: Session): request.Test => request(app).get('/me').set('Cookie', cookieHeader(session));

  it('sign-in sets the cookies passport then authenticates with; a wrong password sets none', async () => {
    const refused = await request(app).post('/auth/login').send({ name: 'eve' });
    expect(refused.status).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const session = await login();
    expect(session.access).not.toBe('');
    expect(session.refresh).not.toBe('');
    const res = await me(session);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ sub: 'user-1' });
  });

  it('once the access token expired: 401 ERR_TOKEN_EXPIRED, then refresh gives a session passport takes', async () => {
    const session = await login();
    now += 16 * MINUTE;
    const expired = await me(session);
    expect({ status: expired.status, code: expired.body.code }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_EXPIRED',
    });
    const refreshed = await request(app)
      .post('/auth/refresh')
      .set('Cookie', `jwt-refresh=${session.refresh}`);
    expect(refreshed.status).toBe(204);
    const next = sessionOf(refreshed);
    expect(next.access).not.toBe(session.access);
    expect((await me(next)).body.user).toMatchObject({ sub: 'user-1' });
  });

  it('sign-out clears the cookies and ends the login: its access and refresh tokens are refused', async () => {
    const session = await login();
    const out = await request(app).post('/auth/logout').set('Cookie', cookieHeader(session));
    expect(out.status).toBe(204);
    const cleared = cookiesOf(out);
    expect(cleared.jwt).toMatch(/^jwt=;.*Max-Age=0/);
    expect(cleared['jwt-refresh']).toMatch(/^jwt-refresh=;.*Max-Age=0/);
    const copied = await me(session);
    expect({ status: copied.status, code: copied.body.code }).toEqual({
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    const refresh = await request(app).post('/auth/refresh').set('Cookie', `jwt-refresh=${session.refresh}`);
    expect(refresh.status).toBe(401);
  });

  it('sign-out behind the strategy, everywhere: every login of the user ends', async () => {
    const phone = await login();
    now += MINUTE;
    const laptop = await login();
    const out = await request(app).post('/auth/logout-everywhere').set('Cookie', cookieHeader(laptop));
    expect(out.status).toBe(204);
    expect((await me(phone)).body.code).toBe('ERR_TOKEN_REVOKED');
    expect((await me(laptop)).body.code).toBe('ERR_TOKEN_REVOKED');
    now += MINUTE;
    expect((await me(await login())).status).toBe(200);
  });

  it('a cross-site sign-out is refused (403 ERR_CSRF), the login left alive', async () => {
    const session = await login();
    const out = await request(app)
      .post('/auth/logout')
      .set('Cookie', cookieHeader(session))
      .set('Sec-Fetch-Site', 'cross-site');
    expect({ status: out.status, code: out.body.code }).toEqual({ status: 403, code: 'ERR_CSRF' });
    expect((await me(session)).status).toBe(200);
  });
});

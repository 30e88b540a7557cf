// The example apps, driven over HTTP as the README's curl lines drive them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp as createExpressApp } from '../examples/express-app.js';
import { createApp as createKoaApp } from '../examples/koa-app.js';
import { createApp as createFastifyApp } from '../examples/fastify-app.js';
import { listenerOf } from './support/fastify.js';
import { redisAvailable, redisServer } from './stores/redis-server.js';
import { asSigned } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-examples-'));
beforeAll(() => {
  vi.stubEnv('JWT_SECRET', '');
  // .ci/run sets REDIS_URL for the store tests; these apps keep their sessions in memory unless told below.
  vi.stubEnv('REDIS_URL', '');
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

/** The `Set-Cookie` value for `name` in a response. */
function setCookie(res: request.Response, name: string): string | undefined {
  const values = res.headers['set-cookie'] as unknown as string[] | undefined;
  return values?.find((value) => value.startsWith(`${name}=`));
}
const cookieValue = (res: request.Response, name: string): string =>
  /^[^=]+=([^;]*)/.exec(setCookie(res, name) ?? '')?.[1] ?? '';

const apps = [
  [
    'Express',
    async () =>
      (await createExpressApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' })).app,
  ],
  [
    'Koa',
    async () =>
      (await createKoaApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' })).app.callback(),
  ],
  [
    'Fastify',
    async () =>
      listenerOf(
        (await createFastifyApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' })).app,
      ),
  ],
] as const;

describe.each(apps)('examples: %s app', (_name, build) => {
  const ada = { email: 'ada@example.com', password: 'correct horse' };

  it('a cross-site sign-out is answered as the guards answer (403, JSON, code ERR_CSRF) and ends nothing', async () => {
    const app = await build();
    const agent = request.agent(app);
    expect((await agent.post('/signup').send(ada)).status).toBe(201);
    for (const path of ['/auth/logout', '/auth/logout-everywhere']) {
      const refused = await agent
        .post(path)
        .set('Origin', 'https://evil.example')
        .set('Sec-Fetch-Site', 'cross-site');
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      expect(refused.body).toEqual({
        error: 'forbidden',
        error_description: 'cross-site request refused',
        code: 'ERR_CSRF',
      });
      expect(refused.text).not.toMatch(/AuthError|at /);
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect((await agent.get('/me')).status).toBe(200);
  });

  it('runs the whole flow: sign up, log in, /me by cookie and Bearer, admin, public page, log out', async () => {
    const app = await build();
    const agent = request.agent(app);

    expect((await agent.get('/')).body).toEqual({ message: 'hello, guest', signedIn: false });
    const signup = await agent.post('/signup').send(ada);
    expect(signup.status).toBe(201);
    expect(asSigned(setCookie(signup, 'jwt'), 3600)).toMatch(
      /^jwt=.+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(setCookie(signup, 'jwt-refresh')).toMatch(
      /^jwt-refresh=.+; Max-Age=2592000; Path=\/auth; HttpOnly; SameSite=Strict$/,
    );
    // The double-submit value: the one cookie page script can read, as long as the login can be refreshed.
    expect(setCookie(signup, 'csrf')).toMatch(/^csrf=[\w-]{16,}; Max-Age=2592000; Path=\/; SameSite=Lax$/);
    expect((await agent.post('/signup').send(ada)).status).toBe(409);

    // The session is the HttpOnly cookie: a cookie sign-in puts no token where page script could read it.
    const login = await agent.post('/login').send(ada);
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      user: { id: signup.body.user.id, email: 'ada@example.com', role: 'member' },
    });
    expect(login.text).not.toContain(cookieValue(login, 'jwt'));
    const csrf = cookieValue(login, 'csrf');

    const me = await agent.get('/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: 'ada@example.com', role: 'member' });
    // API clients get a Bearer token at /auth/token, in the body and with no cookie.
    const issued = await request(app).post('/auth/token').send(ada);
    expect(issued.status).toBe(200);
    expect(issued.headers['set-cookie']).toBeUndefined();
    const token = issued.body.token as string;
    expect(token.split('.')).toHaveLength(3);
    const byBearer = await request(app).get('/me').set('Authorization', `Bearer ${token}`);
    expect(byBearer.body.user).toEqual(me.body.user);

    const forbidden = await agent.get('/admin');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
    expect((await agent.get('/')).body).toEqual({ message: 'hello, ada@example.com', signedIn: true });

    // A cookie session's unsafe requests repeat the csrf cookie in the header, as README's page script does.
    const unrepeated = await agent.post('/auth/refresh');
    expect(unrepeated.status).toBe(403);
    expect(unrepeated.body.code).toBe('ERR_CSRF');
    const refreshed = await agent.post('/auth/refresh').set('x-csrf-token', csrf);
    expect(refreshed.status).toBe(204);
    expect(refreshed.headers['set-cookie']).toHaveLength(3);
    expect((await agent.get('/me')).body.user).toMatchObject({ email: 'ada@example.com' });

    const logout = await agent.post('/auth/logout').set('x-csrf-token', csrf);
    expect(logout.status).toBe(204);
    expect(setCookie(logout, 'jwt')).toMatch(/^jwt=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    const after = await agent.get('/me');
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect((await agent.post('/auth/refresh').set('x-csrf-token', csrf)).status).toBe(401);
  });

  it('lets the seeded admin in, and refuses bad passwords and bad bodies', async () => {
    const app = await build();
    const admin = await request(app)
      .post('/auth/token')
      .send({ email: 'admin@example.com', password: 'admin-password-1' });
    expect(admin.status).toBe(200);
    const page = await request(app)
      .get('/admin')
      .set('Authorization', `Bearer ${admin.body.token as string}`);
    expect(page.status).toBe(200);
    expect(page.body.message).toBe('welcome to the admin page, admin@example.com');

    for (const path of ['/login', '/auth/token']) {
      expect(
        (await request(app).post(path).send({ email: 'admin@example.com', password: 'wrong-password' }))
          .status,
      ).toBe(401);
      expect(
        (await request(app).post(path).send({ email: 'nobody@example.com', password: 'whatever-1' })).status,
      ).toBe(401);
      expect(
        (await request(app).post(path).send({ email: 'not-an-email', password: 'whatever-1' })).status,
      ).toBe(400);
      expect(
        (await request(app).post(path).set('Content-Type', 'application/json').send('{"email":')).status,
      ).toBe(400);
    }
  });
});

describe.runIf(redisAvailable || Boolean(process.env.CI))('examples with REDIS_URL', () => {
  const server = redisServer();
  const setups: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    await server.start();
    vi.stubEnv('REDIS_URL', server.url);
  });
  afterAll(async () => {
    for (const setup of setups) await setup.close();
    await server.stop();
  });

  it('instances share sessions: log out everywhere on one, refused on the others (Koa and Fastify)', async () => {
    const one = await createExpressApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' });
    const two = await createKoaApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' });
    const three = await createFastifyApp({ keyDir: join(dir, 'keys'), adminPassword: 'admin-password-1' });
    setups.push(one.setup, two.setup, three.setup);
    expect(one.setup.storeDescription).toBe(`in Redis at ${server.url}`);
    const login = await request(one.app)
      .post('/auth/token')
      .send({ email: 'admin@example.com', password: 'admin-password-1' });
    const token = login.body.token as string;
    const others = [two.app.callback(), listenerOf(three.app)];
    for (const other of others)
      expect((await request(other).get('/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect(
      (await request(one.app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(204);
    for (const other of others) {
      const refused = await request(other).get('/me').set('Authorization', `Bearer ${token}`);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('ERR_TOKEN_REVOKED');
    }
  });
});

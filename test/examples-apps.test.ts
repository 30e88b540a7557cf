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
    expect(asSigned(signup.headers['set-cookie']?.[0], 3600)).toMatch(
      /^jwt=.+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(signup.headers['set-cookie']?.[1]).toMatch(
      /^jwt-refresh=.+; Max-Age=2592000; Path=\/auth; HttpOnly; SameSite=Strict$/,
    );
    expect((await agent.post('/signup').send(ada)).status).toBe(409);

    const login = await agent.post('/login').send(ada);
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect(token.split('.')).toHaveLength(3);

    const me = await agent.get('/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: 'ada@example.com', role: 'member' });
    const byBearer = await request(app).get('/me').set('Authorization', `Bearer ${token}`);
    expect(byBearer.body.user).toEqual(me.body.user);

    const forbidden = await agent.get('/admin');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
    expect((await agent.get('/')).body).toEqual({ message: 'hello, ada@example.com', signedIn: true });

    const refreshed = await agent.post('/auth/refresh');
    expect(refreshed.status).toBe(204);
    expect(refreshed.headers['set-cookie']).toHaveLength(2);
    expect((await agent.get('/me')).body.user).toMatchObject({ email: 'ada@example.com' });

    const logout = await agent.post('/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers['set-cookie']?.[0]).toMatch(/^jwt=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
    const after = await agent.get('/me');
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect((await agent.post('/auth/refresh')).status).toBe(401);
  });

  it('lets the seeded admin in, and refuses bad passwords and bad bodies', async () => {
    const app = await build();
    const admin = await request(app)
      .post('/login')
      .send({ email: 'admin@example.com', password: 'admin-password-1' });
    expect(admin.status).toBe(200);
    const page = await request(app)
      .get('/admin')
      .set('Authorization', `Bearer ${admin.body.token as string}`);
    expect(page.status).toBe(200);
    expect(page.body.message).toBe('welcome to the admin page, admin@example.com');

    expect(
      (await request(app).post('/login').send({ email: 'admin@example.com', password: 'wrong-password' }))
        .status,
    ).toBe(401);
    expect(
      (await request(app).post('/login').send({ email: 'nobody@example.com', password: 'whatever-1' }))
        .status,
    ).toBe(401);
    expect(
      (await request(app).post('/login').send({ email: 'not-an-email', password: 'whatever-1' })).status,
    ).toBe(400);
    expect(
      (await request(app).post('/login').set('Content-Type', 'application/json').send('{"email":')).status,
    ).toBe(400);
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
      .post('/login')
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

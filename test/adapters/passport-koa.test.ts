// jwt-gate/passport under koa-passport 6 (its own passport 0.6), in a Koa 3 app: koa-passport hands the
// strategy a stand-in request and response of its own, with no getHeader, no Express next.
import Koa, { type Middleware } from 'koa';
import { KoaPassport } from 'koa-passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { JwtGateStrategy } from '../../adapters/passport.js';
import { createAuth, hs256, memoryStore, type Auth, type SessionStore } from '../../src/index.js';
import { SECRET, fixedNow } from '../helpers.js';

// The app's error handling answers what reached it: name, status, code, message.
const answerErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const { name, status, code, message } = err as Record<string, unknown>;
    ctx.status = typeof status === 'number' ? status : 500;
    ctx.body = { error: { name, status, code, message } };
  }
};

function koaApp(auth: Auth, callback?: (err: unknown, user: unknown) => void): Koa {
  const passport = new KoaPassport();
  passport.use(new JwtGateStrategy(auth));
  const app = new Koa();
  app.use(answerErrors);
  app.use(passport.initialize());
  app.use(passport.authenticate('jwt-gate', { session: false }, callback));
  app.use((ctx) => {
    ctx.body = { sub: (ctx.state.user as { sub?: string } | undefined)?.sub ?? null };
  });
  return app;
}

const auth = createAuth({ key: hs256(SECRET), now: fixedNow });

describe('jwt-gate/passport under koa-passport', () => {
  it('a valid Bearer token: ctx.state.user; none: 401 with the challenge; a bad one: invalid_token, not echoed', async () => {
    const server = koaApp(auth).callback();
    const token = await auth.issue({ sub: 'user-1' });
    const ok = await request(server).get('/').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sub: 'user-1' });

    const none = await request(server).get('/');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="api"');

    const forged = `${token.slice(0, -4)}AAAA`;
    const bad = await request(server).get('/').set('Authorization', `Bearer ${forged}`);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    expect(JSON.stringify(bad.headers) + bad.text).not.toContain(forged);
  });

  it('a session cookie past half its life: renewed on the response, with what the app set before kept', async () => {
    let now = fixedNow();
    const sliding = createAuth({
      key: hs256(SECRET),
      now: () => now,
      expiresIn: '1h',
      renew: { after: 0.5, maxAge: '12h' },
    });
    const { token } = await sliding.startSession({ sub: 'user-1' });
    now += 40 * 60_000;
    const app = koaApp(sliding);
    app.middleware.unshift(async (ctx, next) => {
      ctx.append('Set-Cookie', 'theme=dark; Path=/');
      await next();
    });
    const res = await request(app.callback()).get('/').set('Cookie', `jwt=${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'user-1' });
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies[0]).toBe('theme=dark; Path=/');
    expect(cookies[1]).toMatch(/^jwt=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(cookies[1]).not.toContain(token);

    // Behind a proxy that says HTTPS (Koa's app.proxy), the renewed cookie is Secure, as Koa's ctx.secure says.
    app.proxy = true;
    const https = await request(app.callback())
      .get('/')
      .set('Cookie', `jwt=${token}`)
      .set('X-Forwarded-Proto', 'https');
    expect((https.headers['set-cookie'] as unknown as string[])[1]).toMatch(
      /; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('a cookie token on POST without the CSRF header: 403, as requireAuth answers', async () => {
    const csrfAuth = createAuth({ key: hs256(SECRET), now: fixedNow, csrf: { header: 'x-csrf-token' } });
    const started = await csrfAuth.startSession({ sub: 'user-1' });
    const cookies = started.cookies.map((c) => c.split(';')[0]).join('; ');
    const server = koaApp(csrfAuth).callback();
    expect((await request(server).post('/').set('Cookie', cookies)).status).toBe(403);
    const csrf = /csrf=([^;]+)/.exec(cookies)?.[1] ?? '';
    const sent = await request(server).post('/').set('Cookie', cookies).set('X-CSRF-Token', csrf);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ sub: 'user-1' });
  });

  it('a store that is down: 503 through the app’s error handling, never a 401, never accepted', async () => {
    const fail = (): Promise<never> => Promise.reject(new Error('store down'));
    const down: SessionStore = {
      ...memoryStore(),
      status: fail,
      revoke: fail,
      revokeSubject: fail,
      useOnce: fail,
    };
    const { token } = await createAuth({ key: hs256(SECRET), now: fixedNow }).startSession({ sub: 'user-1' });
    const res = await request(
      koaApp(createAuth({ key: hs256(SECRET), now: fixedNow, store: down })).callback(),
    )
      .get('/')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ name: 'AuthError', status: 503, code: 'ERR_STORE_UNAVAILABLE' });
  });

  it('a custom callback that throws: the app’s error handling gets it once', async () => {
    let calls = 0;
    const app = koaApp(auth, () => {
      calls += 1;
      throw new Error('callback bug');
    });
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(app.callback()).get('/').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ message: 'callback bug' });
    expect(calls).toBe(1);
  });
});

// "Your sessions" over HTTP, in Express 4 and 5 and Koa 2 and 3: the JSON list and end handlers, and the
// loginsOf / endLogin functions a server-rendered page calls. Attacked: another user's sid, bodies of
// every shape, cross-site forms and links, a missing double-submit header, an anonymous visitor.
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import request from 'supertest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import {
  createAuth,
  hs256,
  memoryStore,
  type Auth,
  type AuthOptions,
  type Claims,
  type EndedLogin,
  type Login,
  type SignInOptions,
} from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { EVIL, cookiesOf, expectRefused, payloadOf, setCookies, valueOf } from '../support/sessions.js';
import type { Handler } from './apps.js';

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The page a server-rendered app would make of the list.
const page = (logins: readonly Login[]): string =>
  `<ul>${logins
    .map(
      (l) =>
        `<li>${escape(l.meta.userAgent ?? '?')}${l.current ? ' (this browser)' : ''}<form method="post" action="/sessions/end"><input type="hidden" name="sid" value="${escape(l.sid)}"><button>End</button></form></li>`,
    )
    .join('')}</ul>`;

function expressApp(factory: typeof express5, auth: Auth): Handler {
  const { requireAuth, optionalAuth, signIn, loginsOf, endLogin, loginsHandler, endLoginHandler } =
    forExpress;
  const app = factory();
  app.set('env', 'test');
  const form = factory.urlencoded({ extended: false });
  const forwarded =
    (route: (req: express5.Request, res: express5.Response) => Promise<void>): express5.RequestHandler =>
    (req, res, next) =>
      void route(req, res).catch(next);
  app.post(
    '/login/:sub',
    forwarded(async (req, res) => {
      await signIn(
        res,
        auth,
        { sub: req.params.sub as string },
        { meta: { userAgent: req.get('user-agent') } },
      );
      res.sendStatus(204);
    }),
  );
  app.get('/required', requireAuth(auth), (_req, res) => void res.sendStatus(200));
  app.get('/auth/logins', requireAuth(auth), loginsHandler(auth));
  app.post('/auth/logins/end', requireAuth(auth), form, factory.json(), endLoginHandler(auth));
  app.delete('/auth/logins/:sid', requireAuth(auth), endLoginHandler(auth));
  app.get('/optional/logins', optionalAuth(auth), loginsHandler(auth));
  app.post('/optional/logins/end', optionalAuth(auth), form, endLoginHandler(auth));
  app.get('/unguarded/logins', loginsHandler(auth));
  app.get(
    '/sessions',
    requireAuth(auth),
    forwarded(async (req, res) => void res.type('html').send(page(await loginsOf(req, auth)))),
  );
  app.post(
    '/sessions/end',
    requireAuth(auth),
    form,
    forwarded(async (req, res) => {
      await endLogin(res, auth, (req.body as { sid?: unknown }).sid);
      res.redirect(303, '/sessions');
    }),
  );
  // The mistake of a GET route: a link or an <img> elsewhere reaches it.
  app.get(
    '/sessions/end',
    requireAuth(auth),
    forwarded(async (req, res) => {
      await endLogin(res, auth, req.query.sid);
      res.redirect(303, '/sessions');
    }),
  );
  // Renders an AuthError as the guards do.
  app.use((err: unknown, _req: express5.Request, res: express5.Response, next: express5.NextFunction) => {
    const status = (err as { status?: number }).status;
    if (typeof status !== 'number' || status >= 500) return next(err);
    res.status(status).json({ code: (err as { code?: string }).code });
  });
  return app;
}

function koaApp(Factory: typeof Koa3, auth: Auth): Handler {
  const { requireAuth, optionalAuth, signIn, loginsOf, endLogin, loginsHandler, endLoginHandler } = forKoa;
  const app = new Factory();
  app.silent = true;
  // What a body parser does: urlencoded and JSON bodies on ctx.request.body.
  const form: Koa3.Middleware = async (ctx, next) => {
    let text = '';
    for await (const chunk of ctx.req) text += String(chunk);
    const type = ctx.get('content-type');
    (ctx.request as { body?: unknown }).body = type.includes('json')
      ? (JSON.parse(text || 'null') as unknown)
      : type.includes('urlencoded')
        ? Object.fromEntries(new URLSearchParams(text))
        : undefined;
    await next();
  };
  const routes: Record<string, Koa3.Middleware[]> = {
    'GET /required': [requireAuth(auth), (ctx) => void (ctx.status = 200)],
    'GET /auth/logins': [requireAuth(auth), loginsHandler(auth)],
    'POST /auth/logins/end': [requireAuth(auth), form, endLoginHandler(auth)],
    'GET /optional/logins': [optionalAuth(auth), loginsHandler(auth)],
    'POST /optional/logins/end': [optionalAuth(auth), form, endLoginHandler(auth)],
    'GET /unguarded/logins': [loginsHandler(auth)],
    'GET /sessions': [
      requireAuth(auth),
      async (ctx) => {
        ctx.type = 'html';
        ctx.body = page(await loginsOf(ctx, auth));
      },
    ],
    'POST /sessions/end': [
      requireAuth(auth),
      form,
      async (ctx) => {
        await endLogin(ctx, auth, (ctx.request as { body?: { sid?: unknown } }).body?.sid);
        ctx.status = 303;
        ctx.redirect('/sessions');
      },
    ],
    'GET /sessions/end': [
      requireAuth(auth),
      async (ctx) => {
        await endLogin(ctx, auth, ctx.query.sid);
        ctx.status = 303;
        ctx.redirect('/sessions');
      },
    ],
  };
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (typeof status !== 'number' || status >= 500) throw err;
      ctx.status = status;
      ctx.body = { code: (err as { code?: string }).code };
    }
  });
  app.use(async (ctx, next) => {
    const login = /^\/login\/([^/]+)$/.exec(ctx.path);
    if (ctx.method === 'POST' && login) {
      await signIn(
        ctx,
        auth,
        { sub: login[1]! },
        { meta: { userAgent: ctx.get('user-agent') || undefined } },
      );
      ctx.status = 204;
      return;
    }
    // A route parameter, as @koa/router sets it.
    const bySid = /^\/auth\/logins\/([^/]+)$/.exec(ctx.path);
    if (ctx.method === 'DELETE' && bySid) {
      (ctx as { params?: unknown }).params = { sid: decodeURIComponent(bySid[1]!) };
      return requireAuth(auth)(ctx, () => endLoginHandler(auth)(ctx, async () => undefined));
    }
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    const run = (i: number): Promise<void> => Promise.resolve(chain[i]?.(ctx, () => run(i + 1)));
    await run(0);
  });
  return app.callback();
}

const variants: { name: string; build: (auth: Auth) => Handler }[] = [
  { name: 'Express 5', build: (auth) => expressApp(express5, auth) },
  { name: 'Express 4', build: (auth) => expressApp(express4, auth) },
  { name: 'Koa 3', build: (auth) => koaApp(Koa3, auth) },
  { name: 'Koa 2', build: (auth) => koaApp(Koa2, auth) },
];

const SAME = { 'Sec-Fetch-Site': 'same-origin' };

describe.each(variants)('$name', ({ build }) => {
  function setUp(extra: Partial<AuthOptions> = {}) {
    const auth = createAuth({
      key: hs256(SECRET),
      store: memoryStore(),
      refresh: { expiresIn: '30d' },
      ...extra,
    });
    return { auth, app: build(auth) };
  }
  async function signIn(app: Handler, sub: string, userAgent = 'Browser/1.0') {
    const res = await request(app).post(`/login/${sub}`).set('User-Agent', userAgent);
    expect(res.status).toBe(204);
    const cookies = cookiesOf(res);
    const access = valueOf(cookies.jwt);
    return {
      access,
      sid: payloadOf(access).sid as string,
      csrf: valueOf(cookies.csrf),
      cookie: `jwt=${access}`,
    };
  }
  const works = async (app: Handler, cookie: string) =>
    (await request(app).get('/required').set('Cookie', cookie)).status;
  const listed = async (app: Handler, cookie: string) =>
    (
      (await request(app).get('/auth/logins').set('Cookie', cookie)).body as { logins: { sid: string }[] }
    ).logins.map((l) => l.sid);

  it('GET lists the user’s logins as JSON, the request’s own marked, never cached', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1', 'Laptop/1.0');
    const phone = await signIn(app, 'user-1', `Phone/1.0 ${'x'.repeat(10_000)}`);
    await signIn(app, 'user-2');
    const res = await request(app).get('/auth/logins').set('Cookie', laptop.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const logins = (res.body as { logins: { sid: string; current: boolean; meta: { userAgent: string } }[] })
      .logins;
    expect(logins.map((l) => [l.sid, l.current]).sort()).toEqual(
      [
        [laptop.sid, true],
        [phone.sid, false],
      ].sort(),
    );
    expect(logins.find((l) => l.sid === phone.sid)!.meta.userAgent).toBe(`Phone/1.0 ${'x'.repeat(246)}`);
    expect(res.text).not.toContain(laptop.access);
  });

  it('a form post ends another login of the user: its cookie is refused, this one goes on', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    const res = await request(app)
      .post('/auth/logins/end')
      .set('Cookie', laptop.cookie)
      .set(SAME)
      .type('form')
      .send({ sid: phone.sid });
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 200, body: { ended: true } });
    expect(setCookies(res)).toEqual([]);
    expectRefused(await request(app).get('/required').set('Cookie', phone.cookie), 401, 'ERR_TOKEN_REVOKED');
    expect(await works(app, laptop.cookie)).toBe(200);
    expect(await listed(app, laptop.cookie)).toEqual([laptop.sid]);
    // Again: nothing left to end.
    const again = await request(app)
      .post('/auth/logins/end')
      .set('Cookie', laptop.cookie)
      .set(SAME)
      .type('form')
      .send({ sid: phone.sid });
    expect(again.body).toEqual({ ended: false });
  });

  it('DELETE /auth/logins/:sid ends the login of the route’s sid', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    const res = await request(app)
      .delete(`/auth/logins/${encodeURIComponent(phone.sid)}`)
      .set('Cookie', laptop.cookie)
      .set(SAME);
    expect(res.body).toEqual({ ended: true });
    expect(await works(app, phone.cookie)).toBe(401);
  });

  it('another user’s sid from the form ends nothing: { ended: false }, and that user goes on', async () => {
    const { app } = setUp();
    const victim = await signIn(app, 'victim');
    const attacker = await signIn(app, 'attacker');
    const res = await request(app)
      .post('/auth/logins/end')
      .set('Cookie', attacker.cookie)
      .set(SAME)
      .type('form')
      .send({ sid: victim.sid });
    expect(res.body).toEqual({ ended: false });
    expect(await works(app, victim.cookie)).toBe(200);
    expect(await listed(app, victim.cookie)).toEqual([victim.sid]);
  });

  it.each([
    ['no body', undefined, undefined],
    ['an empty form', 'form', ''],
    ['a sid twice', 'form', 'sid=a.1.1&sid=b.2.2'],
    ['a JSON array', 'json', '["x"]'],
    ['a JSON object sid', 'json', '{"sid":{"$ne":null}}'],
    ['a JSON number sid', 'json', '{"sid":1}'],
    ['a __proto__ sid', 'json', '{"__proto__":{"sid":"x"}}'],
    ['plain text', 'text', 'sid=x'],
    ['a huge sid', 'form', `sid=${'a'.repeat(50_000)}.1.1`],
  ])('a body with %s ends nothing and is never a 500', async (_what, type, body) => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    let req = request(app).post('/auth/logins/end').set('Cookie', laptop.cookie).set(SAME);
    if (type === 'form') req = req.type('form');
    if (type === 'json') req = req.type('json');
    if (type === 'text') req = req.type('text');
    const res = body === undefined ? await req : await req.send(body);
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 200,
      body: { ended: false },
    });
    expect(await works(app, phone.cookie)).toBe(200);
    expect(await works(app, laptop.cookie)).toBe(200);
  });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['a foreign Origin', { Origin: EVIL }],
  ])('another site’s form (%s) ends nothing: 403 ERR_CSRF', async (_what, headers) => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    for (const path of ['/auth/logins/end', '/sessions/end']) {
      const res = await request(app)
        .post(path)
        .set('Cookie', laptop.cookie)
        .set(headers)
        .type('form')
        .send({ sid: phone.sid });
      expectRefused(res, 403, 'ERR_CSRF');
    }
    expect(await works(app, phone.cookie)).toBe(200);
  });

  it('a link or an <img> on another site reaching a GET route ends nothing: ERR_CSRF; the app’s own link does', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    const refused = await request(app)
      .get(`/sessions/end?sid=${encodeURIComponent(phone.sid)}`)
      .set('Cookie', laptop.cookie)
      .set('Sec-Fetch-Site', 'cross-site');
    expectRefused(refused, 403, 'ERR_CSRF');
    expect(await works(app, phone.cookie)).toBe(200);
    const own = await request(app)
      .get(`/sessions/end?sid=${encodeURIComponent(phone.sid)}`)
      .set('Cookie', laptop.cookie)
      .set(SAME);
    expect(own.status).toBe(303);
    expect(await works(app, phone.cookie)).toBe(401);
  });

  it('with csrf.header, a post without the double-submit header ends nothing; with it, it does', async () => {
    const { app } = setUp({ csrf: { header: 'x-csrf-token' } });
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    const send = () =>
      request(app).post('/auth/logins/end').set('Cookie', laptop.cookie).set(SAME).type('form');
    expectRefused(await send().send({ sid: phone.sid }), 403, 'ERR_CSRF');
    expectRefused(await send().set('X-CSRF-Token', 'forged').send({ sid: phone.sid }), 403, 'ERR_CSRF');
    expect(await works(app, phone.cookie)).toBe(200);
    expect((await send().set('X-CSRF-Token', laptop.csrf).send({ sid: phone.sid })).body).toEqual({
      ended: true,
    });
    expect(await works(app, phone.cookie)).toBe(401);
  });

  it('ending the request’s own login clears this browser’s cookies and ends it', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1');
    const phone = await signIn(app, 'user-1');
    const res = await request(app)
      .post('/auth/logins/end')
      .set('Cookie', laptop.cookie)
      .set(SAME)
      .type('form')
      .send({ sid: laptop.sid });
    expect(res.body).toEqual({ ended: true });
    const cleared = cookiesOf(res);
    expect(Object.keys(cleared).sort()).toEqual(['jwt', 'jwt-refresh']);
    for (const cookie of Object.values(cleared)) expect(valueOf(cookie)).toBe('');
    expect(await works(app, laptop.cookie)).toBe(401);
    expect(await works(app, phone.cookie)).toBe(200);
  });

  it('a server-rendered page lists the logins, and its form ends one and comes back (303)', async () => {
    const { app } = setUp();
    const laptop = await signIn(app, 'user-1', 'Laptop <b>1</b>');
    const phone = await signIn(app, 'user-1', 'Phone');
    const html = (await request(app).get('/sessions').set('Cookie', laptop.cookie)).text;
    expect(html).toContain('Laptop &#60;b&#62;1&#60;/b&#62; (this browser)');
    expect(html).toContain(`value="${phone.sid}"`);
    const res = await request(app)
      .post('/sessions/end')
      .set('Cookie', laptop.cookie)
      .set(SAME)
      .type('form')
      .send({ sid: phone.sid });
    expect({ status: res.status, location: res.headers.location }).toEqual({
      status: 303,
      location: '/sessions',
    });
    expect(await works(app, phone.cookie)).toBe(401);
  });

  it('an anonymous visitor behind optionalAuth gets 401 ERR_TOKEN_MISSING; no guard at all is the app’s mistake (500)', async () => {
    const { app } = setUp();
    const phone = await signIn(app, 'user-1');
    expectRefused(await request(app).get('/optional/logins'), 401, 'ERR_TOKEN_MISSING');
    expectRefused(
      await request(app).post('/optional/logins/end').set(SAME).type('form').send({ sid: phone.sid }),
      401,
      'ERR_TOKEN_MISSING',
    );
    expect(await works(app, phone.cookie)).toBe(200);
    expect((await request(app).get('/unguarded/logins').set('Cookie', phone.cookie)).status).toBe(500);
  });
});

describe('types', () => {
  it('the helpers are typed by their Auth', () => {
    const auth = createAuth({ key: hs256(SECRET) });
    expectTypeOf(auth.logins).returns.resolves.toEqualTypeOf<Login[]>();
    expectTypeOf(auth.endLogin).returns.resolves.toBeBoolean();
    expectTypeOf(auth.endLoginOf).returns.toEqualTypeOf<EndedLogin>();
    expectTypeOf(forExpress.loginsOf<Claims, Claims>).returns.resolves.toEqualTypeOf<Login[]>();
    expectTypeOf(forKoa.endLogin<Claims, Claims>).returns.resolves.toBeBoolean();
    expectTypeOf<Login['meta']>().toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf(auth.startSession).parameter(1).exclude<undefined>().toHaveProperty('meta');
    expectTypeOf<{ n: number }>().not.toMatchTypeOf<NonNullable<SignInOptions['meta']>>();
  });
});

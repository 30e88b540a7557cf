// The example apps' pages, driven as a browser without JavaScript drives them: forms, redirects, cookies.
// The same pages in real browsers are test/browser/'s.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp as createExpressApp } from '../examples/express-app.js';
import { createApp as createKoaApp } from '../examples/koa-app.js';
import type { App } from 'supertest/types.js';

beforeAll(() => {
  vi.stubEnv('JWT_SECRET', 'example-pages-secret-0123456789abcdef');
  vi.stubEnv('REDIS_URL', '');
});
afterAll(() => vi.unstubAllEnvs());

const adminPassword = 'admin-password-1';
const apps: [string, () => Promise<App>][] = [
  ['Express', async () => (await createExpressApp({ adminPassword })).app],
  ['Koa', async () => (await createKoaApp({ adminPassword })).app.callback()],
];

const HOSTILE = '<script>alert(1)</script>@x.example';
const QUOTED = '"><img/src=x/onerror=alert(2)>@x.example';
const browser = (agent: request.Agent) => ({
  get: (path: string) => agent.get(path).set('Accept', 'text/html'),
  post: (path: string, form: Record<string, string>) =>
    agent.post(path).set('Accept', 'text/html').type('form').send(form),
});
const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const sidsOf = (page: string): string[] => [...page.matchAll(/<tr data-sid="([^"]+)"/g)].map((m) => m[1]!);

async function signedUp(app: App, email: string, password = 'correct horse'): Promise<request.Agent> {
  const agent = request.agent(app);
  const res = await browser(agent).post('/signup', { email, password });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/me');
  return agent;
}

describe.each(apps)('example pages: %s', (_name, build) => {
  it('serves pages to browsers and JSON to API clients on the same routes, with a CSP', async () => {
    const app = await build();
    const home = await request(app).get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.headers['content-security-policy']).toContain("script-src 'self'");
    expect(home.text).toContain('Hello, guest');
    expect((await request(app).get('/').set('Accept', '*/*')).body).toEqual({
      message: 'hello, guest',
      signedIn: false,
    });
    for (const path of ['/signup', '/login', '/app']) {
      const page = await request(app).get(path).set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
    }
    const script = await request(app).get('/app.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain('x-csrf-token');
    const missing = await request(app).get('/nowhere').set('Accept', 'text/html');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Not found');
  });

  it('asks a browser to sign in with a 401 page that returns to where it was; JSON for an API client', async () => {
    const app = await build();
    const page = await request(app).get('/sessions').set('Accept', 'text/html');
    expect(page.status).toBe(401);
    expect(page.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(page.text).toContain('<input type="hidden" name="next" value="/sessions" />');
    expect(page.text).toContain('<main data-resume>');
    const api = await request(app).get('/sessions');
    expect(api.status).toBe(401);
    expect(api.body.code).toBe('ERR_TOKEN_MISSING');
    // Only a path of this site: another host is never where a sign-in goes next.
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example'])
      expect(
        (
          await request(app)
            .get(`/login?next=${encodeURIComponent(next)}`)
            .set('Accept', 'text/html')
        ).text,
      ).toContain('name="next" value="/me"');
  });

  it('signs up and in through forms: errors on the form, the email kept, a redirect to `next`', async () => {
    const app = await build();
    const agent = await signedUp(app, 'ada@example.com');
    const profile = await browser(agent).get('/me');
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('<dd id="email">ada@example.com</dd>');

    const stranger = request.agent(app);
    const taken = await browser(stranger).post('/signup', {
      email: 'ada@example.com',
      password: 'another one',
    });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('that email is taken');
    const wrong = await browser(stranger).post('/login', {
      email: 'Ada@Example.com',
      password: 'wrong horse',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('wrong email or password');
    expect(wrong.text).toContain('name="email" value="Ada@Example.com"');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const short = await browser(stranger).post('/login', { email: 'ada@example.com', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('a password of 8 to 1024 characters is required');

    const right = await browser(stranger).post('/login', {
      email: 'ada@example.com',
      password: 'correct horse',
      next: '/sessions',
    });
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe('/sessions');
    expect(right.text).not.toMatch(/eyJ/);
    expect((await browser(stranger).get('/sessions')).status).toBe(200);
    const away = await browser(request.agent(app)).post('/login', {
      email: 'ada@example.com',
      password: 'correct horse',
      next: '//evil.example/',
    });
    expect(away.headers.location).toBe('/me');
  });

  it('escapes what users typed everywhere it is shown', async () => {
    const app = await build();
    const hostile = await signedUp(app, HOSTILE);
    const quoted = await signedUp(app, QUOTED);
    for (const path of ['/', '/me', '/sessions', '/session']) {
      const page = await browser(hostile).get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;@x.example');
      expect(page.text).not.toContain('<script>alert');
    }
    expect((await browser(quoted).get('/me')).text).toContain(
      '&quot;&gt;&lt;img/src=x/onerror=alert(2)&gt;@x.example',
    );
    const retry = await browser(request.agent(app)).post('/login', {
      email: QUOTED,
      password: 'wrong horse',
    });
    expect(retry.text).toContain('value="&quot;&gt;&lt;img/src=x/onerror=alert(2)&gt;@x.example"');
    expect(retry.text).not.toContain('<img');

    const admin = request.agent(app);
    await browser(admin).post('/login', { email: 'admin@example.com', password: adminPassword });
    const list = await browser(admin).get('/admin');
    expect(list.status).toBe(200);
    expect(list.text).toContain('<td>&lt;script&gt;alert(1)&lt;/script&gt;@x.example</td>');
    expect(list.text).not.toContain('<script>alert');
    expect(list.text).not.toContain('<img');
  });

  it('answers a member at /admin with a 403 page', async () => {
    const app = await build();
    const member = await signedUp(app, 'bob@example.com');
    const page = await browser(member).get('/admin');
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('This page is for admins only.');
  });

  it('sign-out forms need the page’s CSRF value and this site; a sign-in form needs this site', async () => {
    const app = await build();
    const agent = request.agent(app);
    const signup = await browser(agent).post('/signup', {
      email: 'cleo@example.com',
      password: 'correct horse',
    });
    const cookies = (signup.headers['set-cookie'] as unknown as string[])
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = csrfOf((await browser(agent).get('/me')).text);
    expect(csrf).toMatch(/^[\w-]{16,}$/);
    // Without the page's value, or with another: refused, and the login lives on (its cookies still work).
    for (const form of [{}, { _csrf: 'not-the-value' }]) {
      const refused = await request(app)
        .post('/auth/logout')
        .set({ Accept: 'text/html', Cookie: cookies })
        .type('form')
        .send(form);
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('was refused');
      expect((await request(app).get('/me').set('Cookie', cookies)).status).toBe(200);
    }
    // From another origin of this site, with the right value (a page there can read the csrf cookie):
    // refused, and no cookie cleared.
    const sameSite = await browser(agent)
      .post('/auth/logout-everywhere', { _csrf: csrf })
      .set('Sec-Fetch-Site', 'same-site');
    expect(sameSite.status).toBe(403);
    expect(sameSite.headers['set-cookie']).toBeUndefined();
    expect((await browser(agent).get('/me')).status).toBe(200);

    const signOut = await browser(agent).post('/auth/logout', { _csrf: csrf });
    expect(signOut.status).toBe(303);
    expect(signOut.headers.location).toBe('/');
    expect(signOut.headers['set-cookie']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^jwt=; Max-Age=0/)]),
    );
    expect((await browser(agent).get('/me')).status).toBe(401);

    for (const site of ['cross-site', 'same-site']) {
      const planted = await browser(request.agent(app))
        .post('/login', { email: 'cleo@example.com', password: 'correct horse' })
        .set('Sec-Fetch-Site', site)
        .set('Origin', 'http://localhost:9');
      expect(planted.status).toBe(403);
      expect(planted.headers['set-cookie']).toBeUndefined();
    }
  });

  it('"Your sessions" lists each login, marks this one, and ends another or this one', async () => {
    const app = await build();
    const laptop = await signedUp(app, 'dora@example.com');
    const phone = request.agent(app);
    await browser(phone)
      .post('/login', { email: 'dora@example.com', password: 'correct horse' })
      .set('User-Agent', 'Mozilla/5.0 (Android 14) Firefox/128.0');
    const page = (await browser(laptop).get('/sessions')).text;
    // The laptop's own login is marked; the phone's is the other one.
    const oldest = /<tr data-sid="([^"]+)" class="current">/.exec(page)?.[1];
    const newest = sidsOf(page).find((sid) => sid !== oldest);
    expect(sidsOf(page)).toHaveLength(2);
    expect(oldest).toBeDefined();
    expect(page).toContain('Firefox 128 on Android');

    const ended = await browser(laptop).post('/sessions/end', { _csrf: csrfOf(page), sid: newest! });
    expect(ended.status).toBe(303);
    expect(ended.headers.location).toBe('/sessions');
    expect((await browser(phone).get('/me')).status).toBe(401);
    expect(sidsOf((await browser(laptop).get('/sessions')).text)).toEqual([oldest]);
    // Someone else's sid ends nothing.
    const other = await signedUp(app, 'eve@example.com');
    const foreign = await browser(other).post('/sessions/end', {
      _csrf: csrfOf((await browser(other).get('/me')).text),
      sid: oldest!,
    });
    expect(foreign.headers.location).toBe('/sessions');
    expect((await browser(laptop).get('/me')).status).toBe(200);

    const own = await browser(laptop).post('/sessions/end', { _csrf: csrfOf(page), sid: oldest! });
    expect(own.headers.location).toBe('/');
    expect((await browser(laptop).get('/me')).status).toBe(401);
  });

  it('the session-state page shows the token and the login as the server holds them', async () => {
    const app = await build();
    const agent = await signedUp(app, 'fay@example.com');
    const login = (await agent.get('/auth/logins')).body.logins[0];
    const page = (await browser(agent).get('/session')).text;
    const at = (id: string): number =>
      Number(new RegExp(`id="${id}"[^]*?data-seconds="(\\d+)"`).exec(page)?.[1]);
    expect(at('signed-in')).toBe(login.signedInAt);
    expect(at('expires') - at('issued')).toBe(3600);
    expect(at('renews')).toBe(at('issued') + 1800);
    expect(at('login-ends')).toBe(login.endsAt);
  });
});

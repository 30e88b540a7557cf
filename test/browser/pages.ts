// A person's way through the example in a browser: sign up, the pages, the cookies as the browser keeps
// them, sign in, the admin page, "Your sessions" across two browser contexts, sign-out and sign-out everywhere.
import { expect, it } from 'vitest';
import {
  APP_HOST,
  cookiesOf,
  eventually,
  loginsOf,
  newEmail,
  PASSWORD,
  screenshot,
  signIn,
  signUp,
  type Bench,
} from './flows.js';

export function pageScenarios(bench: () => Bench): void {
  it('sign up; the pages; the cookies as the browser keeps them, out of page script’s reach', async () => {
    const { browser, app } = bench();
    const session = await browser.newSession();
    const guest = await session.newTab();
    await guest.goto(`${app.url}/`);
    expect(await guest.text('main p')).toContain('Hello, guest');
    await screenshot(bench(), guest, 'home-guest');
    await guest.goto(`${app.url}/signup`);
    await screenshot(bench(), guest, 'sign-up');

    const email = newEmail('ada');
    const signedUpAt = Date.now() / 1000;
    const tab = await signUp(session, app.url, email);
    await screenshot(bench(), tab, 'profile');
    const jar = await cookiesOf(session);
    expect(Object.keys(jar).sort()).toEqual(['csrf', 'jwt', 'jwt-refresh']);
    // Plain HTTP outside production: no Secure (docs/sessions.md, "The session cookie"); each lives as long as it is of use.
    expect(jar.jwt).toMatchObject({
      domain: APP_HOST,
      path: '/',
      httpOnly: true,
      secure: false,
      sameSite: 'Lax',
    });
    expect(jar['jwt-refresh']).toMatchObject({
      path: '/auth',
      httpOnly: true,
      secure: false,
      sameSite: 'Strict',
    });
    expect(jar.csrf).toMatchObject({ path: '/', httpOnly: false, secure: false, sameSite: 'Lax' });
    expect(jar.jwt!.expires).toBeGreaterThan(signedUpAt + 3600 - 5);
    expect(jar.jwt!.expires).toBeLessThan(signedUpAt + 3600 + 5);
    expect(jar['jwt-refresh']!.expires).toBeGreaterThan(signedUpAt + 30 * 86400 - 5);
    expect(Math.abs(jar.csrf!.expires - jar['jwt-refresh']!.expires)).toBeLessThan(2);

    // Page script reads the csrf value and nothing of the session, here and under /auth.
    expect(await tab.evaluate('document.cookie')).toBe(`csrf=${jar.csrf!.value}`);
    await tab.goto(`${app.url}/auth/nothing-here`);
    expect(await tab.text('h1')).toBe('Not found');
    expect(await tab.evaluate('document.cookie')).toBe(`csrf=${jar.csrf!.value}`);

    await tab.goto(`${app.url}/`);
    expect(await tab.text('main p')).toContain(`Hello, ${email}.`);
    await screenshot(bench(), tab, 'home');
    await tab.goto(`${app.url}/session`);
    expect(await tab.text('h1')).toBe('Session state');
    await screenshot(bench(), tab, 'session-state');
    await tab.goto(`${app.url}/app`);
    await eventually(async () => expect(await tab.text('#whoami')).toBe(`Signed in as ${email} (member).`));

    const mark = app.requests().length;
    await tab.goto(`${app.url}/admin`);
    expect(await tab.text('main .error')).toBe('This page is for admins only.');
    expect(await app.waitForRequest((r) => r.path === '/admin', { after: mark })).toMatchObject({
      status: 403,
    });
    await screenshot(bench(), tab, 'admin-forbidden');

    await tab.clickAndLoad('header form[action="/auth/logout"] button');
    expect(tab.url()).toBe(`${app.url}/`);
    expect(await tab.text('main p')).toContain('Hello, guest');
    expect(await session.cookies(APP_HOST)).toEqual([]);
    expect(tab.dialogs).toEqual([]);
    await session.close();
  }, 60_000);

  it('sign in: the error on the form, the email kept; the admin page shows a hostile email as text', async () => {
    const { browser, app } = bench();
    // An email that is markup: signed up over JSON, since the form's type="email" would not take it.
    const hostile = await browser.newSession();
    const other = await hostile.newTab();
    await other.goto(`${app.url}/`);
    const status = await other.evaluate<number>(`fetch('/signup', { method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: '<img/src=x/onerror=alert(1)>@x.example', password: ${JSON.stringify(PASSWORD)} }) })
      .then((res) => res.status)`);
    expect(status).toBe(201);
    await hostile.close();

    const session = await browser.newSession();
    const tab = await session.newTab();
    await signIn(tab, app.url, 'Admin@Example.com', 'not the password');
    expect(await tab.text('.error')).toBe('wrong email or password');
    expect(await tab.evaluate('document.querySelector("input[name=email]").value')).toBe('Admin@Example.com');
    await screenshot(bench(), tab, 'sign-in-error');
    expect(await session.cookies(APP_HOST)).toEqual([]);

    await signIn(tab, app.url, 'admin@example.com', 'admin-password-1');
    expect(tab.url()).toBe(`${app.url}/me`);
    await tab.goto(`${app.url}/admin`);
    expect(await tab.text('main table')).toContain('<img/src=x/onerror=alert(1)>@x.example');
    expect(await tab.evaluate('document.querySelectorAll("main img").length')).toBe(0);
    await screenshot(bench(), tab, 'admin');
    expect(tab.dialogs).toEqual([]);
    await session.close();
  }, 60_000);

  it('"Your sessions" in one browser context ends the login of another', async () => {
    const { browser, app } = bench();
    const email = newEmail('bea');
    const laptop = await browser.newSession();
    const laptopTab = await signUp(laptop, app.url, email);
    const phone = await browser.newSession();
    const phoneTab = await phone.newTab();
    await signIn(phoneTab, app.url, email);
    expect(phoneTab.url()).toBe(`${app.url}/me`);

    const laptopSid = (await loginsOf(laptopTab)).find((login) => login.current)!.sid;
    await phoneTab.goto(`${app.url}/sessions`);
    expect(await phoneTab.evaluate('document.querySelectorAll("tr[data-sid]").length')).toBe(2);
    expect(await phoneTab.text('tr.current .tag.current')).toBe('this browser');
    await screenshot(bench(), phoneTab, 'your-sessions');
    await phoneTab.clickAndLoad(`tr[data-sid="${laptopSid}"] button`);
    expect(phoneTab.url()).toBe(`${app.url}/sessions`);
    expect(await phoneTab.evaluate('document.querySelectorAll("tr[data-sid]").length')).toBe(1);

    // The laptop is asked to sign in: its token is refused, and so is its refresh cookie.
    const mark = app.requests().length;
    await laptopTab.goto(`${app.url}/me`);
    expect(await laptopTab.text('h1')).toBe('Sign in');
    expect(await laptopTab.text('.error')).toBe('Your session has ended: sign in again.');
    await screenshot(bench(), laptopTab, 'session-ended');
    expect(await app.waitForRequest((r) => r.path === '/me', { after: mark })).toMatchObject({ status: 401 });
    expect(await app.waitForRequest((r) => r.path === '/auth/refresh', { after: mark })).toMatchObject({
      status: 401,
      csrfHeader: true,
    });
    expect(await phoneTab.evaluate('fetch("/me").then((res) => res.status)')).toBe(200);
    await Promise.all([laptop.close(), phone.close()]);
  }, 60_000);

  it('sign out ends one browser context’s login; sign out everywhere ends the other’s too', async () => {
    const { browser, app } = bench();
    const email = newEmail('cy');
    const one = await browser.newSession();
    const oneTab = await signUp(one, app.url, email);
    const two = await browser.newSession();
    const twoTab = await two.newTab();
    await signIn(twoTab, app.url, email);

    await oneTab.clickAndLoad('header form[action="/auth/logout"] button');
    expect(await one.cookies(APP_HOST)).toEqual([]);
    expect((await loginsOf(twoTab)).map((login) => login.current)).toEqual([true]);
    await twoTab.goto(`${app.url}/me`);
    expect(await twoTab.text('#email')).toBe(email);

    await signIn(oneTab, app.url, email);
    expect(oneTab.url()).toBe(`${app.url}/me`);
    await twoTab.goto(`${app.url}/sessions`);
    await twoTab.clickAndLoad('.actions form[action="/auth/logout-everywhere"] button');
    expect(twoTab.url()).toBe(`${app.url}/`);
    expect(await two.cookies(APP_HOST)).toEqual([]);
    await oneTab.goto(`${app.url}/sessions`);
    expect(await oneTab.text('h1')).toBe('Sign in');
    await Promise.all([one.close(), two.close()]);
  }, 60_000);
}

// Tokens that live 6 seconds (EXAMPLE_ACCESS_TTL): a page loaded past half-life renews the cookie, and once
// the browser has dropped it, a page and the API page each continue the login with the refresh cookie.
import { expect, it } from 'vitest';
import type { Session } from './driver.js';
import {
  ACCESS_TTL,
  APP_HOST,
  cookiesOf,
  eventually,
  newEmail,
  screenshot,
  secondsAt,
  signIn,
  signUp,
  sleepUntil,
  type Bench,
} from './flows.js';

/**
 * Waits (at most the token's lifetime and a little) until the browser has dropped the access cookie.
 * Firefox lists it until it purges it, with its expiry in whole seconds: a second past that, it is gone.
 */
async function accessCookieDropped(session: Session): Promise<void> {
  await eventually(
    async () => {
      const jwt = (await session.cookies(APP_HOST)).find((cookie) => cookie.name === 'jwt');
      expect(jwt === undefined || jwt.expires + 1 < Date.now() / 1000).toBe(true);
    },
    (ACCESS_TTL + 3) * 1000,
  );
}

export function lifetimeScenarios(bench: () => Bench): void {
  it('a page past half-life renews the cookie; past its expiry, a page refreshes the login once', async () => {
    const { browser, short } = bench();
    const session = await browser.newSession();
    const email = newEmail('dee');
    const tab = await signUp(session, short.url, email);
    await tab.goto(`${short.url}/session`);
    const issued = await secondsAt(tab, 'issued');
    const signedIn = await secondsAt(tab, 'signed-in');
    const loginEnds = await secondsAt(tab, 'login-ends');
    expect((await secondsAt(tab, 'expires')) - issued).toBe(ACCESS_TTL);
    const first = (await cookiesOf(session)).jwt!;

    // Past half-life (by the token's own iat), and well before its end: the answer renews the cookie,
    // and the next page shows the renewed token, of the same login.
    await sleepUntil((issued + ACCESS_TTL / 2 + 0.2) * 1000);
    await tab.goto(`${short.url}/session`);
    const second = (await cookiesOf(session)).jwt!;
    expect(second.value).not.toBe(first.value);
    expect(second.expires).toBeGreaterThan(first.expires);
    await tab.goto(`${short.url}/session`);
    expect(await secondsAt(tab, 'issued')).toBeGreaterThanOrEqual(issued + ACCESS_TTL / 2);
    expect(await secondsAt(tab, 'signed-in')).toBe(signedIn);
    expect(await secondsAt(tab, 'login-ends')).toBe(loginEnds);
    const refreshCookie = (await cookiesOf(session))['jwt-refresh']!.value;

    await accessCookieDropped(session);
    const mark = short.requests().length;
    await tab.goto(`${short.url}/me`);
    // The 401 page's script refreshes (the header repeating the csrf cookie) and loads the page again.
    await eventually(async () => expect(await tab.text('#email')).toBe(email));
    expect(await short.waitForRequest((r) => r.path === '/me', { after: mark })).toMatchObject({
      status: 401,
    });
    const refresh = await short.waitForRequest((r) => r.path === '/auth/refresh', { after: mark });
    expect(refresh).toMatchObject({ method: 'POST', status: 204, site: 'same-origin', csrfHeader: true });
    expect([...refresh.cookies].sort()).toEqual(['csrf', 'jwt-refresh']);
    const jar = await cookiesOf(session);
    expect(jar.jwt).toBeDefined();
    expect(jar['jwt-refresh']!.value).not.toBe(refreshCookie);
    await tab.goto(`${short.url}/session`);
    expect(await secondsAt(tab, 'signed-in')).toBe(signedIn);
    await session.close();
  }, 60_000);

  it('the API page sends the double-submit header, refreshes once after the access cookie expired, ends a login', async () => {
    const { browser, short } = bench();
    const email = newEmail('eli');
    const session = await browser.newSession();
    const tab = await signUp(session, short.url, email);
    const other = await browser.newSession();
    const otherTab = await other.newTab();
    await signIn(otherTab, short.url, email);
    await tab.goto(`${short.url}/app`);
    await eventually(async () => expect(await tab.text('#whoami')).toBe(`Signed in as ${email} (member).`));
    await eventually(async () =>
      expect(await tab.evaluate('document.querySelectorAll("#logins li").length')).toBe(2),
    );

    await accessCookieDropped(session);
    const mark = short.requests().length;
    const before = await tab.evaluate<number>('document.querySelectorAll("#requests li").length');
    await tab.click('button[data-action=reload]');
    const expected = ['GET /me → 401', 'POST /auth/refresh → 204', 'GET /me → 200', 'GET /auth/logins → 200'];
    await eventually(async () =>
      expect(
        await tab.evaluate(
          `[...document.querySelectorAll("#requests li")].slice(${before}).map((li) => li.textContent)`,
        ),
      ).toEqual(expected),
    );
    const refresh = await short.waitForRequest((r) => r.path === '/auth/refresh', { after: mark });
    expect(refresh).toMatchObject({ method: 'POST', status: 204, site: 'same-origin', csrfHeader: true });
    await screenshot(bench(), tab, 'api-page');

    // End the other context's login from the list: a DELETE with the header.
    const otherSid = await tab.evaluate<string>(
      '[...document.querySelectorAll("#logins li")].find((li) => !li.textContent.includes("this browser")).dataset.sid',
    );
    await tab.click(`#logins li[data-sid="${otherSid}"] button`);
    // (Its access token may have run out meanwhile: the page then refreshes and sends the DELETE again.)
    const ended = await short.waitForRequest((r) => r.method === 'DELETE' && r.status === 200, {
      after: mark,
    });
    expect(ended).toMatchObject({ path: `/auth/logins/${otherSid}`, csrfHeader: true, site: 'same-origin' });
    await eventually(async () =>
      expect(await tab.evaluate('document.querySelectorAll("#logins li").length')).toBe(1),
    );
    // Its refresh cookie, which outlives the access token, no longer continues anything.
    expect(
      await otherTab.evaluate(`fetch('/auth/refresh', { method: 'POST',
        headers: { 'x-csrf-token': document.cookie.replace(/^.*csrf=([^;]*).*$/, '$1') } }).then((res) => res.status)`),
    ).toBe(401);

    await tab.click('button[data-action=sign-out]');
    const out = await short.waitForRequest((r) => r.path === '/auth/logout', { after: mark });
    expect(out).toMatchObject({ method: 'POST', status: 204, csrfHeader: true, site: 'same-origin' });
    await eventually(async () => expect(await tab.text('#whoami')).toBe('You are not signed in. Sign in'));
    expect(await session.cookies('127.0.0.1')).toEqual([]);
    await Promise.all([session.close(), other.close()]);
  }, 60_000);
}

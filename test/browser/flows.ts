// What a person does in the example app, in a browser: sign up, sign in, read a page; and the bounded
// waits the scenarios need (never a sleep of unknown length).
import { expect } from 'vitest';
import type { Attacker } from './attacker.js';
import type { Browser, BrowserCookie, Session, Tab } from './driver.js';
import type { ExampleProcess } from '../support/example-process.js';

/** What every scenario runs against. */
export interface Bench {
  readonly browser: Browser;
  /** The app as `npm start` runs it (access tokens of an hour). */
  readonly app: ExampleProcess;
  /** The same app with 6-second access tokens (EXAMPLE_ACCESS_TTL), for renewal and refresh. */
  readonly short: ExampleProcess;
  readonly attacker: Attacker;
  /** Where to save screenshots of the pages (SCREENSHOTS), or nowhere. */
  readonly shots: string | undefined;
}

export const PASSWORD = 'correct horse battery';
export const ACCESS_TTL = 6;
export const APP_HOST = '127.0.0.1';

const used = new Map<string, number>();
/** An email no other test of this file uses: `ada@example.com`, then `ada2@example.com`. */
export function newEmail(tag: string): string {
  const n = (used.get(tag) ?? 0) + 1;
  used.set(tag, n);
  return `${tag}${n === 1 ? '' : n}@example.com`;
}

/** Retries `check` until it passes, for at most `timeout` ms; then fails with its last error. */
export async function eventually<T>(check: () => Promise<T>, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Resolves at `ms` since the epoch; the scenarios only ever wait a few seconds this way. */
export async function sleepUntil(ms: number): Promise<void> {
  const wait = ms - Date.now();
  expect(wait).toBeLessThan(10_000);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

export async function signUp(session: Session, url: string, email: string): Promise<Tab> {
  const tab = await session.newTab();
  await tab.goto(`${url}/signup`);
  await tab.fill('input[name=email]', email);
  await tab.fill('input[name=password]', PASSWORD);
  await tab.clickAndLoad('form.card button');
  expect(tab.url()).toBe(`${url}/me`);
  expect(await tab.text('#email')).toBe(email);
  return tab;
}

/** Signs in on the sign-in page; leaves the tab where the form went. */
export async function signIn(tab: Tab, url: string, email: string, password = PASSWORD): Promise<void> {
  await tab.goto(`${url}/login`);
  await tab.fill('input[name=email]', email);
  await tab.fill('input[name=password]', password);
  await tab.clickAndLoad('form.card button');
}

/**
 * The app's cookies this context still sends: Firefox lists an expired cookie until it purges it, though
 * it no longer sends it (the refresh scenarios check what was sent in the app's log).
 */
export async function cookiesOf(session: Session): Promise<Record<string, BrowserCookie>> {
  const now = Date.now() / 1000;
  return Object.fromEntries(
    (await session.cookies(APP_HOST))
      .filter((cookie) => cookie.expires === -1 || cookie.expires > now)
      .map((cookie) => [cookie.name, cookie]),
  );
}

export interface ListedLogin {
  readonly sid: string;
  readonly current: boolean;
}

/** The user's logins, as the page's own script would fetch them (a same-origin GET). */
export const loginsOf = (tab: Tab): Promise<ListedLogin[]> =>
  tab.evaluate(`fetch('/auth/logins', { headers: { Accept: 'application/json' } })
    .then((res) => res.json()).then((body) => body.logins.map(({ sid, current }) => ({ sid, current })))`);

/** The `data-seconds` of the `<time>` in `#id` on the page. */
export const secondsAt = async (tab: Tab, id: string): Promise<number> =>
  Number(await tab.evaluate(`document.querySelector('#${id} time')?.dataset.seconds`));

export async function screenshot(bench: Bench, tab: Tab, name: string): Promise<void> {
  if (bench.shots !== undefined) await tab.screenshot(`${bench.shots}/${name}.png`);
}

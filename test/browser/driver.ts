// One small interface over the two drivers: Debian's Chromium through playwright-core (the DevTools
// protocol) and Firefox ESR through puppeteer-core (WebDriver BiDi). The scenarios see only this.
import { accessSync, constants } from 'node:fs';

/** A cookie as the browser keeps it. `expires` in seconds since the epoch, -1 for a session cookie. */
export interface BrowserCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  readonly expires: number;
  readonly httpOnly: boolean;
  readonly secure: boolean;
  readonly sameSite: string | undefined;
}

/** One tab. Every wait is bounded by `timeout` (ms). */
export interface Tab {
  goto(url: string): Promise<void>;
  /** Fills `selector`'s input with `value`, as typing would. */
  fill(selector: string, value: string): Promise<void>;
  /** Clicks `selector` and waits for the page it loads (a form's answer, after its redirects). */
  clickAndLoad(selector: string): Promise<void>;
  click(selector: string): Promise<void>;
  /** The value of a JavaScript expression in the page (awaited when it is a promise). */
  evaluate<T>(expression: string): Promise<T>;
  /** Waits until the expression is truthy in the page. */
  waitUntil(expression: string, timeout?: number): Promise<void>;
  text(selector: string): Promise<string>;
  url(): string;
  /** The messages of the alert, confirm and prompt dialogs the page opened (an XSS would). */
  readonly dialogs: readonly string[];
  screenshot(path: string): Promise<void>;
}

/** A browser context: its own cookie jar, as another browser (or a private window) would have. */
export interface Session {
  newTab(): Promise<Tab>;
  /** The cookies this context keeps for `host` (a hostname, without port: cookies ignore ports). */
  cookies(host: string): Promise<BrowserCookie[]>;
  close(): Promise<void>;
}

export interface Browser {
  readonly name: string;
  readonly version: string;
  newSession(): Promise<Session>;
  close(): Promise<void>;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** What to run when the browsers are missing: Debian's packages, as .ci/run installs them. */
export const INSTALL_HINT = 'apt-get install chromium firefox-esr';

/** Whether `path` is an executable; the browser tests skip (outside CI) when it is not. */
export function installed(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const TIMEOUT = 10_000;

/** The expression that reads the value of an element (an input's value, or its text). */
export const valueOf = (selector: string): string =>
  `(() => { const el = document.querySelector(${JSON.stringify(selector)}); return el === null ? null : ('value' in el ? el.value : el.textContent); })()`;

// Debian's Firefox ESR through puppeteer-core over WebDriver BiDi.
import puppeteer, { type Page } from 'puppeteer-core';
import { FIREFOX, TIMEOUT, type Browser, type BrowserCookie, type Tab } from './driver.js';

function tab(page: Page): Tab {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.setDefaultTimeout(TIMEOUT);
  page.setDefaultNavigationTimeout(TIMEOUT);
  return {
    dialogs,
    async goto(url) {
      // A background tab gets no animation frames, which the locators wait for.
      await page.bringToFront();
      await page.goto(url);
    },
    async fill(selector, value) {
      await page.locator(selector).fill(value);
    },
    async clickAndLoad(selector) {
      await Promise.all([page.waitForNavigation(), page.click(selector)]);
    },
    click: (selector) => page.click(selector),
    evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
    async waitUntil(expression, timeout = TIMEOUT) {
      await page.waitForFunction(expression, { timeout });
    },
    text: async (selector) =>
      String(
        (await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`)) ?? '',
      ),
    url: () => page.url(),
    async screenshot(path) {
      await page.screenshot({ path, fullPage: true });
    },
  };
}

export async function launchFirefox(): Promise<Browser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    protocol: 'webDriverBiDi',
    headless: true,
    timeout: 30_000,
    // No password manager: it offers to save each sign-up and fills the next sign-in's form itself.
    extraPrefsFirefox: { 'signon.rememberSignons': false, 'signon.autofillForms': false },
  });
  return {
    name: 'Firefox',
    version: await browser.version(),
    async newSession() {
      const context = await browser.createBrowserContext();
      return {
        async newTab() {
          const page = await context.newPage();
          await page.setViewport({ width: 1100, height: 720 });
          return tab(page);
        },
        async cookies(host): Promise<BrowserCookie[]> {
          return (await context.cookies())
            .filter((cookie) => cookie.domain === host)
            .map(({ name, value, domain, path, expires, httpOnly, secure, sameSite }) => ({
              name,
              value,
              domain,
              path,
              expires,
              httpOnly: httpOnly === true,
              secure,
              sameSite,
            }));
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

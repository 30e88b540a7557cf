// Debian's Chromium through playwright-core: Playwright's own browser builds are not downloaded.
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, TIMEOUT, type Browser, type BrowserCookie, type Tab } from './driver.js';

function tab(page: Page): Tab {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.setDefaultTimeout(TIMEOUT);
  return {
    dialogs,
    async goto(url) {
      await page.goto(url);
    },
    fill: (selector, value) => page.fill(selector, value),
    async clickAndLoad(selector) {
      await Promise.all([page.waitForNavigation(), page.click(selector)]);
    },
    click: (selector) => page.click(selector),
    evaluate: <T>(expression: string) => page.evaluate<T>(expression),
    async waitUntil(expression, timeout = TIMEOUT) {
      await page.waitForFunction(expression, undefined, { timeout });
    },
    text: async (selector) => (await page.textContent(selector)) ?? '',
    url: () => page.url(),
    async screenshot(path) {
      await page.screenshot({ path, fullPage: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, timeout: 30_000 });
  return {
    name: 'Chromium',
    version: browser.version(),
    async newSession() {
      const context = await browser.newContext({ viewport: { width: 1100, height: 480 } });
      return {
        newTab: async () => tab(await context.newPage()),
        async cookies(host): Promise<BrowserCookie[]> {
          return (await context.cookies()).filter((cookie) => cookie.domain === host);
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

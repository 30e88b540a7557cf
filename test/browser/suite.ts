// The browser suite for one browser: both example apps (Express, Koa) started as README says, an
// attacker's pages beside them, and every scenario. Without the browser installed (outside CI) it skips,
// naming the packages to install.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startExample, type ExampleProcess, type ExampleScript } from '../support/example-process.js';
import { attackScenarios } from './attacks.js';
import { startAttacker, type Attacker } from './attacker.js';
import { INSTALL_HINT, installed, type Browser } from './driver.js';
import { ACCESS_TTL, type Bench } from './flows.js';
import { lifetimeScenarios } from './lifetimes.js';
import { pageScenarios } from './pages.js';

const ENV = {
  JWT_SECRET: 'browser-tests-secret-0123456789abcdef',
  ADMIN_PASSWORD: 'admin-password-1',
  EXAMPLE_REFRESH_TTL: '30d',
};
const APPS: [string, ExampleScript][] = [
  ['Express', 'start'],
  ['Koa', 'start:koa'],
];

/** `SCREENSHOTS=<dir>` saves the pages' screenshots there, from one browser and one app. */
function shotsDir(browser: string, script: ExampleScript): string | undefined {
  const dir = process.env.SCREENSHOTS;
  if (dir === undefined || dir === '' || browser !== 'Chromium' || script !== 'start') return undefined;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function browserSuite(name: string, executable: string, launch: () => Promise<Browser>): void {
  if (!installed(executable) && !process.env.CI) {
    console.warn(
      `${name} is not installed at ${executable}: its browser tests are skipped (${INSTALL_HINT}).`,
    );
    describe(`${name} (not installed)`, () => {
      it.skip(`needs ${executable}: ${INSTALL_HINT}`, () => undefined);
    });
    return;
  }
  describe.each(APPS)(`${name}: the %s example`, (_app, script) => {
    let bench: Bench | undefined;
    const opened: { close(): Promise<void> }[] = [];
    beforeAll(async () => {
      const started = await Promise.allSettled([
        launch(),
        startExample(script, ENV),
        startExample(script, { ...ENV, EXAMPLE_ACCESS_TTL: String(ACCESS_TTL) }),
        startAttacker(),
      ]);
      for (const outcome of started)
        if (outcome.status === 'fulfilled')
          opened.push('stop' in outcome.value ? { close: outcome.value.stop } : outcome.value);
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      const [browser, app, short, attacker] = started.map(
        (outcome) => (outcome as PromiseFulfilledResult<unknown>).value,
      );
      bench = {
        browser: browser as Browser,
        app: app as ExampleProcess,
        short: short as ExampleProcess,
        attacker: attacker as Attacker,
        shots: shotsDir(name, script),
      };
    }, 90_000);
    afterAll(async () => {
      await Promise.allSettled(opened.map((item) => item.close()));
    }, 30_000);
    const current = (): Bench => {
      if (bench === undefined) throw new Error('the browser suite did not start');
      return bench;
    };
    pageScenarios(current);
    lifetimeScenarios(current);
    attackScenarios(current);
  });
}

// Attacks from pages the victim's own browser opens: from another site (`localhost`), and from another
// origin of the app's site (127.0.0.1, another port), whose script can even read the `csrf` cookie.
// Each asserts what the browser sent (the app's request log) and that nothing changed on the server.
import { expect, it } from 'vitest';
import type { LoggedRequest } from '../support/example-process.js';
import type { Tab } from './driver.js';
import { cookiesOf, eventually, loginsOf, newEmail, PASSWORD, signUp, type Bench } from './flows.js';

const READ_CSRF = `(/(?:^|; )csrf=([^;]*)/.exec(document.cookie) || [])[1] || ''`;

/** A form that submits itself once its page has loaded, its `_csrf` read from the cookies it can see. */
const autoSubmit = (action: string, fields: Record<string, string>): string => `
  <form id="f" method="post" action="${action}">
    ${Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
      .join('')}
    <input type="hidden" name="_csrf">
  </form>
  <script>
    document.querySelector('[name=_csrf]').value = ${READ_CSRF};
    addEventListener('load', () => setTimeout(() => document.getElementById('f').submit(), 20));
  </script>`;

/** A script whose outcome (what the page could learn) is `window.outcome`. */
const script = (body: string): string => `<script>window.outcome = (async () => { ${body} })();</script>`;

export function attackScenarios(bench: () => Bench): void {
  for (const kind of ['another site', 'another origin of the same site'] as const) {
    it(`pages of ${kind}: forms, fetch, <img> and links end, refresh and sign in nothing`, async () => {
      const { browser, app, attacker } = bench();
      const crossSite = kind === 'another site';
      const origin = crossSite ? attacker.crossSite : attacker.sameSite;
      const site = crossSite ? 'cross-site' : 'same-site';

      // The attacker's own account, whose login a planted sign-in would give the victim.
      const mallory = { email: newEmail('mallory'), password: PASSWORD };
      const own = await browser.newSession();
      const ownTab = await own.newTab();
      await ownTab.goto(`${app.url}/`);
      expect(
        await ownTab.evaluate(`fetch('/signup', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: ${JSON.stringify(JSON.stringify(mallory))} }).then((res) => res.status)`),
      ).toBe(201);

      const email = newEmail('vic');
      const victim = await browser.newSession();
      const victimTab = await signUp(victim, app.url, email);
      const [sid] = (await loginsOf(victimTab)).map((login) => login.sid);
      const jar = await cookiesOf(victim);
      const evil = await victim.newTab();

      const sent = async (run: (tab: Tab) => Promise<void>, matches: (r: LoggedRequest) => boolean) => {
        const mark = app.requests().length;
        await run(evil);
        return app.waitForRequest(matches, { after: mark });
      };
      const open = (html: string) => async (tab: Tab) => {
        await tab.goto(origin + attacker.page(html));
      };
      // What a request carrying the session would send: every cookie scoped to its path.
      const session = (path: string): string[] =>
        path.startsWith('/auth/') ? ['jwt', 'csrf', 'jwt-refresh'] : ['jwt', 'csrf'];
      const expectSent = (logged: LoggedRequest, path: string, laxToo = false) => {
        expect(logged.site).toBe(site);
        expect(logged.csrfHeader).toBe(false);
        // SameSite=Lax and Strict keep every session cookie from another site's requests (Lax ones go on
        // top-level GETs); from another origin of the same site they all go, and the app must refuse.
        const cookies = crossSite ? (laxToo ? ['jwt', 'csrf'] : []) : session(path);
        expect([...logged.cookies].sort()).toEqual([...cookies].sort());
      };

      // Forms that submit themselves: sign-out, sign-out everywhere, refresh, ending a login, a planted sign-in.
      const forms: [string, Record<string, string>, number][] = [
        ['/auth/logout', {}, crossSite ? 303 : 403],
        ['/auth/logout-everywhere', {}, crossSite ? 303 : 403],
        ['/auth/refresh', {}, crossSite ? 401 : 403],
        ['/sessions/end', { sid: sid! }, crossSite ? 401 : 403],
        ['/login', { email: mallory.email, password: mallory.password }, 403],
        ['/signup', { email: newEmail('planted'), password: PASSWORD }, 403],
      ];
      for (const [path, fields, status] of forms) {
        const logged = await sent(
          open(autoSubmit(`${app.url}${path}`, fields)),
          (r) => r.method === 'POST' && r.path === path,
        );
        expectSent(logged, path);
        expect(logged.status, path).toBe(status);
        await eventually(async () => expect(evil.url().startsWith(app.url)).toBe(true));
      }

      // fetch with credentials: a simple POST goes (and is refused or carries nothing); one with the
      // double-submit header needs a preflight the app never grants, so the POST is never sent.
      const noCors = await sent(
        open(
          script(`await fetch('${app.url}/auth/logout-everywhere', { method: 'POST', credentials: 'include',
          mode: 'no-cors', body: new URLSearchParams({ _csrf: ${READ_CSRF} }) }); return 'sent';`),
        ),
        (r) => r.method === 'POST' && r.path === '/auth/logout-everywhere',
      );
      expectSent(noCors, '/auth/logout-everywhere');
      expect(noCors.status).toBe(crossSite ? 303 : 403);
      const mark = app.requests().length;
      await open(
        script(`return fetch('${app.url}/auth/refresh', { method: 'POST', credentials: 'include',
          headers: { 'x-csrf-token': ${READ_CSRF} } }).then(() => 'read', (err) => err.name);`),
      )(evil);
      expect(await evil.evaluate('window.outcome')).toBe('TypeError');
      const preflight = await app.waitForRequest((r) => r.path === '/auth/refresh', { after: mark });
      expect(preflight.method).toBe('OPTIONS');
      expect(
        app
          .requests()
          .slice(mark)
          .filter((r) => r.method === 'POST'),
      ).toEqual([]);
      // A credentialed read: the request goes, the answer stays closed to the page (no CORS).
      const read = await sent(
        open(
          script(
            `return fetch('${app.url}/me', { credentials: 'include' }).then((res) => res.text(), (err) => err.name);`,
          ),
        ),
        (r) => r.path === '/me',
      );
      expectSent(read, '/me');
      expect(await evil.evaluate('window.outcome')).toBe('TypeError');

      // <img> and top-level GETs: safe methods, answered and changing nothing.
      for (const path of ['/me', '/auth/logout']) {
        const logged = await sent(open(`<img src="${app.url}${path}">`), (r) => r.path === path);
        expectSent(logged, path);
        expect(logged.method).toBe('GET');
      }
      for (const [path, status] of [
        ['/sessions', 200],
        ['/auth/logout', 404],
      ] as const) {
        const logged = await sent(
          open(
            `<script>addEventListener('load', () => setTimeout(() => { location.href = '${app.url}${path}'; }, 20));</script>`,
          ),
          (r) => r.path === path,
        );
        expectSent(logged, path, true);
        expect(logged.status).toBe(status);
        await eventually(async () => expect(evil.url()).toBe(`${app.url}${path}`));
      }

      // Nothing changed: the victim's login, its cookies (no refresh spent), its user; mallory's one login.
      expect((await loginsOf(victimTab)).map((login) => login.sid)).toEqual([sid]);
      const after = await cookiesOf(victim);
      for (const name of ['jwt', 'jwt-refresh', 'csrf'])
        expect(after[name]?.value, name).toBe(jar[name]!.value);
      await victimTab.goto(`${app.url}/me`);
      expect(await victimTab.text('#email')).toBe(email);
      expect(await loginsOf(ownTab)).toHaveLength(1);
      expect(evil.dialogs).toEqual([]);
      await Promise.all([victim.close(), own.close()]);
    }, 90_000);
  }
}

// The example's pages, rendered on the server and framework-free, so the Express and Koa apps answer the
// same HTML. Every page works without JavaScript; only /app is a page script's (see public/app.js).
import type { Claims, Login } from 'jwt-gate';
import { html, type Html } from './html.js';
import { at, layout, postButton, type Viewer } from './layout.js';
import { RENEW_AFTER } from './setup.js';
import type { User } from './users.js';

export function homePage(viewer: Viewer | undefined): string {
  const body = viewer
    ? html`<p>Hello, <strong>${viewer.user.email}</strong>. You are signed in (${viewer.user.role}).</p>
        <ul>
          <li><a href="/me">Your profile</a></li>
          <li><a href="/sessions">Your sessions</a>: where you are signed in, and a button to end each</li>
          <li><a href="/session">Session state</a>: this token's expiry, its renewal, the login's end</li>
          <li><a href="/app">API page</a>: the same session used from a page script, over JSON</li>
        </ul>`
    : html`<p>Hello, guest. This page is public: it greets you by name once you are signed in.</p>
        <p><a class="button" href="/signup">Create an account</a> or <a href="/login">sign in</a>.</p>`;
  return layout('Home', viewer, body);
}

export interface CredentialsForm {
  readonly email?: string | undefined;
  readonly error?: string | undefined;
  /** Where to go once signed in: a path of this site. */
  readonly next?: string | undefined;
}

function credentialsForm(action: '/login' | '/signup', form: CredentialsForm): Html {
  const signingUp = action === '/signup';
  return html`<form method="post" action="${action}" class="card">
    ${form.error !== undefined && html`<p class="error" role="alert">${form.error}</p>`}
    <label
      >Email <input type="email" name="email" value="${form.email ?? ''}" required autocomplete="username"
    /></label>
    <label
      >Password
      <input
        type="password"
        name="password"
        required
        minlength="8"
        autocomplete="${signingUp ? 'new-password' : 'current-password'}"
    /></label>
    ${form.next !== undefined && html`<input type="hidden" name="next" value="${form.next}" />`}
    <button type="submit">${signingUp ? 'Sign up' : 'Sign in'}</button>
  </form>`;
}

export const signUpPage = (form: CredentialsForm = {}): string =>
  layout(
    'Sign up',
    undefined,
    html`${credentialsForm('/signup', form)}
      <p>Already have an account? <a href="/login">Sign in</a>.</p>`,
  );

export const signInPage = (form: CredentialsForm = {}, options: { resume?: boolean } = {}): string =>
  layout(
    'Sign in',
    undefined,
    html`${options.resume === true && html`<p class="note" id="resume">Checking for a session to continue…</p>`}
      ${credentialsForm('/login', form)}
      <p>No account yet? <a href="/signup">Sign up</a>.</p>`,
    options,
  );

export const profilePage = (viewer: Viewer): string =>
  layout(
    'Profile',
    viewer,
    html`<dl class="card">
      <dt>Email</dt>
      <dd id="email">${viewer.user.email}</dd>
      <dt>Role</dt>
      <dd id="role">${viewer.user.role}</dd>
      <dt>User id</dt>
      <dd><code>${viewer.user.id}</code></dd>
    </dl>`,
  );

export const adminPage = (viewer: Viewer, users: readonly User[]): string =>
  layout(
    'Admin',
    viewer,
    html`<p>Welcome to the admin page, ${viewer.user.email}. Members get a 403 here.</p>
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          ${users.map(
            (user) =>
              html`<tr>
                <td>${user.email}</td>
                <td>${user.role}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  );

/** "Firefox 128 on Linux" from a User-Agent, or the start of it. */
export function deviceOf(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent === '') return 'Unknown device';
  const browser = /(Firefox|Edg|HeadlessChrome|Chrome|Version|curl)\/(\d+)/.exec(userAgent);
  const system = /(Windows|Android|iPhone|Mac OS X|Linux)/.exec(userAgent);
  if (!browser) return userAgent.slice(0, 40);
  const name = browser[1] === 'Version' ? 'Safari' : browser[1] === 'Edg' ? 'Edge' : browser[1];
  return `${name} ${browser[2]}${system ? ` on ${system[1] === 'Mac OS X' ? 'macOS' : system[1]}` : ''}`;
}

function loginRow(login: Login, viewer: Viewer, now: number): Html {
  return html`<tr data-sid="${login.sid}" class="${login.current ? 'current' : ''}">
    <td>
      <strong>${deviceOf(login.meta.userAgent)}</strong>
      ${login.meta.label !== undefined && html`<span class="tag">${login.meta.label}</span>`}
      ${login.current && html`<span class="tag current">this browser</span>`}
    </td>
    <td>${at(login.signedInAt, now)}</td>
    <td>${at(login.lastActiveAt, now)}</td>
    <td>${at(login.endsAt, now)}</td>
    <td>
      ${postButton(
        '/sessions/end',
        login.current ? 'Sign out here' : 'End',
        viewer,
        html`<input type="hidden" name="sid" value="${login.sid}" />`,
      )}
    </td>
  </tr>`;
}

export const sessionsPage = (viewer: Viewer, logins: readonly Login[], now: number): string =>
  layout(
    'Your sessions',
    viewer,
    html`<p>Where you are signed in. Ending a login signs that browser out at its next request.</p>
      <table class="sessions">
        <thead>
          <tr>
            <th>Device</th>
            <th>Signed in</th>
            <th>Last active</th>
            <th>Ends</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${logins.map((login) => loginRow(login, viewer, now))}
        </tbody>
      </table>
      <div class="actions">
        ${postButton('/auth/logout', 'Sign out', viewer)}
        ${postButton('/auth/logout-everywhere', 'Sign out everywhere', viewer)}
      </div>`,
  );

/** The session the page was loaded with: its login, this token, and when each ends or renews. */
export function statePage(viewer: Viewer, claims: Claims, login: Login | undefined, now: number): string {
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  const renewsAt = Math.ceil(iat + RENEW_AFTER * (exp - iat));
  const signedInAt = login?.signedInAt ?? Number(claims.auth_time ?? iat);
  return layout(
    'Session state',
    viewer,
    html`<dl class="card state">
        <dt>Signed in at</dt>
        <dd id="signed-in">${at(signedInAt, now)}</dd>
        <dt>This token was issued at</dt>
        <dd id="issued">${at(iat, now)}</dd>
        <dt>This token expires at</dt>
        <dd id="expires">${at(exp, now)}</dd>
        <dt>It renews</dt>
        <dd id="renews">on the first page loaded after ${at(renewsAt, now)}</dd>
        <dt>The login ends at</dt>
        <dd id="login-ends">${login ? at(login.endsAt, now) : 'unknown'}</dd>
      </dl>
      <p>
        A page loaded past half the token's life gets a renewed token in its answer; the next page shows it.
        Past its expiry the browser drops the <code>jwt</code> cookie; the next page continues the login with
        the <code>jwt-refresh</code> cookie (sent only to <code>/auth</code>) until the login ends.
      </p>`,
  );
}

export const apiPage = (viewer: Viewer | undefined): string =>
  layout(
    'API page',
    viewer,
    html`<p>
        This page uses the JSON API with <code>fetch</code>: the cookie carries the session, and each request
        that changes something repeats the <code>csrf</code> cookie in the <code>X-CSRF-Token</code> header.
        When the access token has expired, it refreshes once at <code>/auth/refresh</code> and tries again.
      </p>
      <noscript><p class="error">This page needs JavaScript; every other page works without it.</p></noscript>
      <section data-spa>
        <p id="whoami">Loading…</p>
        <p>
          <button type="button" data-action="reload">Reload</button>
          <button type="button" data-action="sign-out">Sign out</button>
        </p>
        <h2>Your sessions</h2>
        <ul id="logins"></ul>
        <h2>Requests this page made</h2>
        <ol id="requests"></ol>
      </section>`,
  );

// The frame every page of the example shares: navigation that knows who is signed in, a sign-out button,
// forms that carry the session's CSRF value, and times as people read them.
import { html, toText, type Html } from './html.js';
import type { User } from './users.js';

/** Who is looking: the user, and the value their forms repeat as `_csrf` (the token's `csrf` claim). */
export interface Viewer {
  readonly user: User;
  readonly csrf: string;
}

/** A POST form of one button, with the viewer's CSRF value: sign-out, ending a login. */
export function postButton(action: string, label: string, viewer: Viewer, fields: Html = html``): Html {
  return html`<form method="post" action="${action}" class="inline">
    <input type="hidden" name="_csrf" value="${viewer.csrf}" />${fields}
    <button type="submit">${label}</button>
  </form>`;
}

function navigation(viewer: Viewer | undefined): Html {
  if (!viewer)
    return html`<a href="/login">Sign in</a> <a href="/signup">Sign up</a> <a href="/app">API page</a>`;
  return html`<a href="/me">Profile</a> <a href="/sessions">Your sessions</a>
    <a href="/session">Session state</a> <a href="/app">API page</a>
    ${viewer.user.role === 'admin' && html`<a href="/admin">Admin</a>`}
    <span class="who">${viewer.user.email}</span> ${postButton('/auth/logout', 'Sign out', viewer)}`;
}

export interface PageOptions {
  /** A "please sign in" page: the script first tries the refresh cookie, then shows the form. */
  readonly resume?: boolean;
}

/** A whole document. Styles and the one script are files of their own, as the CSP allows. */
export function layout(
  title: string,
  viewer: Viewer | undefined,
  body: Html,
  options: PageOptions = {},
): string {
  const page = html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · jwt-gate example</title>
      <link rel="stylesheet" href="/style.css" />
      <script src="/app.js" defer></script>
    </head>
    <body>
      <header>
        <a href="/" class="brand">jwt-gate example</a>
        <nav>${navigation(viewer)}</nav>
      </header>
      <main ${options.resume === true ? html`data-resume` : ''}>
        <h1>${title}</h1>
        ${body}
      </main>
    </body>
  </html>`;
  return `<!doctype html>\n${toText(page)}`;
}

/** Seconds since the epoch as a `<time>`: the UTC date and time, and how far from `now` it is. */
export function at(seconds: number, now: number): Html {
  const iso = new Date(seconds * 1000).toISOString();
  return html`<time datetime="${iso}" data-seconds="${seconds}"
    >${iso.slice(0, 19).replace('T', ' ')} UTC <small>(${relative(seconds - now)})</small></time
  >`;
}

function relative(delta: number): string {
  const size = Math.abs(Math.round(delta));
  const amount =
    size < 120
      ? `${size} s`
      : size < 7200
        ? `${Math.round(size / 60)} min`
        : size < 172800
          ? `${Math.round(size / 3600)} h`
          : `${Math.round(size / 86400)} days`;
  return delta >= 0 ? `in ${amount}` : `${amount} ago`;
}

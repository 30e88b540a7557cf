// What the Express and Koa apps share about HTTP: security headers, answers to refusals (a page for a
// browser, JSON for an API client), where a form may send the browser next, and the request log.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { toHttpError, type Auth, type AuthError, type RequestLike } from 'jwt-gate';
import { html } from './html.js';
import { layout, type Viewer } from './layout.js';
import { signInPage } from './pages.js';
import { CSRF_HEADER } from './setup.js';
import type { User } from './users.js';

/** Sent with every answer: no inline script or style can run, no other site can frame a page. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/** The two files the pages load, served from memory. */
export const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  '/style.css': { type: 'text/css; charset=utf-8', body: asset('style.css') },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: asset('app.js') },
};

function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

/** A path of this site to go to after signing in; anything else (another host, `//evil`) is `/me`. */
export function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length <= 512
    ? value
    : '/me';
}

/**
 * Whether a sign-in or sign-up came from this site. The guards check requests that carry a session;
 * these carry none, so the app checks them itself, by the rule of "CSRF protection" (docs/sessions.md): another
 * site's form must not sign the browser in to an account of the attacker's.
 */
export function fromThisSite(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = headers.origin;
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === headers.host?.toLowerCase();
}

/**
 * A form cannot set a header, so its hidden `_csrf` field stands in for the double-submit header: the
 * page was rendered with the session's own value, which no other site can read.
 */
export function formCsrf(headers: IncomingHttpHeaders, body: unknown): void {
  const field = (body as { _csrf?: unknown } | undefined)?._csrf;
  if (headers[CSRF_HEADER] === undefined && typeof field === 'string') headers[CSRF_HEADER] = field;
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** HTML text, or an object to send as JSON. */
  readonly body: string | object;
}

/** Who a refused request's page is for: its session read again (a member at the admin page), if it has one. */
export async function refusedViewer(auth: Auth<User>, req: RequestLike): Promise<Viewer | undefined> {
  const session = await auth.authenticate(req).catch(() => null);
  return session === null ? undefined : { user: session.user, csrf: String(session.claims.csrf) };
}

export interface RefusalPage {
  /** Whether the client asked for HTML (a browser), not JSON. */
  readonly html: boolean;
  /** The path a "please sign in" page returns to: the page that was loaded (a GET). */
  readonly next?: string;
  /** Who is signed in, when someone is (a member at an admin's page). */
  readonly viewer?: Viewer | undefined;
}

/** A refusal from a guard or a sign-out: `toHttpError` (docs/errors.md), rendered as a page for a browser. */
export function refusal(err: AuthError, realm: string, page: RefusalPage): Answer {
  const answer = toHttpError(err, realm);
  if (!page.html) return answer;
  return { status: answer.status, headers: answer.headers, body: refusalPage(err, page) };
}

function refusalPage(err: AuthError, { next, viewer }: RefusalPage): string {
  switch (err.code) {
    case 'ERR_FORBIDDEN':
      return layout('Forbidden', viewer, html`<p class="error">This page is for admins only.</p>`);
    case 'ERR_CSRF':
      return layout(
        'Refused',
        viewer,
        html`<p class="error">
          A request from another site, or without this session's CSRF value, was refused.
        </p>`,
      );
    case 'ERR_KEYS_UNAVAILABLE':
    case 'ERR_STORE_UNAVAILABLE':
      return layout('Try again', viewer, html`<p class="error">Sessions are unavailable; try again.</p>`);
    default: {
      const error = err.code === 'ERR_TOKEN_MISSING' ? undefined : 'Your session has ended: sign in again.';
      // Only a page that was loaded (a GET) tries the refresh cookie and loads itself again: a form's
      // answer reloaded would post the form once more.
      return signInPage({ error, next }, { resume: next !== undefined });
    }
  }
}

/** The page for a path no route knows. */
export const notFoundPage = (viewer?: Viewer): string =>
  layout('Not found', viewer, html`<p>There is no page here. <a href="/">Home</a></p>`);

export interface RequestLogLine {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

/**
 * One JSON line per request when EXAMPLE_LOG=requests: what the browser sent (the names of its cookies,
 * never their values) and the status. The browser tests read it to see what an attack carried.
 */
export function logRequest({ method, path, status, headers }: RequestLogLine): void {
  if (process.env.EXAMPLE_LOG !== 'requests') return;
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((pair) => pair.split('=')[0]?.trim() ?? '')
    .filter((name) => name !== '');
  const line = {
    method,
    path,
    status,
    site: headers['sec-fetch-site'] ?? null,
    origin: headers.origin ?? null,
    cookies,
    csrfHeader: headers[CSRF_HEADER] !== undefined,
    bearer: headers.authorization !== undefined,
  };
  console.log(`request ${JSON.stringify(line)}`);
}

// Sign-up, sign-in and API tokens, decided once for the Express and Koa apps: a form gets a page back (its
// error shown, the email kept) or a redirect, a JSON client gets JSON. The app then signs `user` in.
import type { IncomingHttpHeaders } from 'node:http';
import type { Auth, LoginMetaInput } from 'jwt-gate';
import { signInPage, signUpPage } from './pages.js';
import { sessionClaims } from './setup.js';
import { readCredentials, type User, type UserStore } from './users.js';
import { fromThisSite, localPath } from './web.js';

export interface AccountRequest {
  /** A browser's form (`application/x-www-form-urlencoded`), not a JSON body. */
  readonly form: boolean;
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

export interface Outcome {
  readonly status: number;
  /** A page's HTML, or an object to send as JSON; none with a redirect. */
  readonly body?: string | object;
  /** Where a form goes next (303 See Other). */
  readonly redirect?: string;
  /** Who to sign in, and what "Your sessions" shows of this login. */
  readonly signIn?: { readonly user: User; readonly meta: LoginMetaInput };
}

const emailOf = (body: unknown): string | undefined => {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.slice(0, 254) : undefined;
};

const CROSS_SITE = 'a sign-in from another site was refused';

/** POST /signup and POST /login. */
export async function signUpOrIn(
  action: 'signup' | 'login',
  users: UserStore,
  request: AccountRequest,
): Promise<Outcome> {
  const { form, body, headers } = request;
  const next = localPath((body as { next?: unknown } | undefined)?.next);
  const render = action === 'signup' ? signUpPage : signInPage;
  const refuse = (status: number, error: string): Outcome =>
    form ? { status, body: render({ email: emailOf(body), error, next }) } : { status, body: { error } };
  if (!fromThisSite(headers)) return refuse(403, CROSS_SITE);
  const credentials = readCredentials(body);
  if (typeof credentials === 'string') return refuse(400, credentials);
  const user =
    action === 'signup'
      ? await users.signUp(credentials.email, credentials.password)
      : await users.logIn(credentials.email, credentials.password);
  if (!user)
    return action === 'signup' ? refuse(409, 'that email is taken') : refuse(401, 'wrong email or password');
  const meta = { userAgent: headers['user-agent'], label: form ? 'Web' : 'API' };
  // The session is the HttpOnly cookie: no token in the body, where page script could read it.
  if (form) return { status: 303, redirect: next, signIn: { user, meta } };
  return { status: action === 'signup' ? 201 : 200, body: { user }, signIn: { user, meta } };
}

/**
 * POST /auth/token: a Bearer token for an API client (curl, another service), in the JSON body and no
 * cookie. It is no login of "Your sessions": it ends at its `exp`, at its own sign-out, or everywhere's.
 */
export async function tokenFor(
  auth: Auth<User>,
  users: UserStore,
  request: AccountRequest,
): Promise<Outcome> {
  if (request.form || !fromThisSite(request.headers))
    return { status: 400, body: { error: 'send JSON credentials' } };
  const credentials = readCredentials(request.body);
  if (typeof credentials === 'string') return { status: 400, body: { error: credentials } };
  const user = await users.logIn(credentials.email, credentials.password);
  if (!user) return { status: 401, body: { error: 'wrong email or password' } };
  return { status: 200, body: { token: await auth.issue(sessionClaims(user)), tokenType: 'Bearer' } };
}

// The same app on Koa: pages to sign up and in, a profile, an admin page, "Your sessions", the session's
// state, a page that uses the JSON API, and sign-out; JSON for API clients on the same routes.
// Run: npm run start:koa
import Koa, { type Context, type Middleware } from 'koa';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { isAuthError } from 'jwt-gate';
import {
  authOf,
  endLogin,
  endLoginHandler,
  loginsHandler,
  loginsOf,
  optionalAuth,
  refreshHandler,
  requireAuth,
  signIn,
  signOut,
} from 'jwt-gate/koa';
import { signUpOrIn, tokenFor, type Outcome } from './accounts.js';
import { readBody } from './koa-body.js';
import { route } from './koa-router.js';
import type { Viewer } from './layout.js';
import {
  adminPage,
  apiPage,
  homePage,
  profilePage,
  sessionsPage,
  signInPage,
  signUpPage,
  statePage,
} from './pages.js';
import { banner, sessionClaims, setUp, type ExampleOptions, type ExampleSetup } from './setup.js';
import type { User } from './users.js';
import {
  ASSETS,
  formCsrf,
  localPath,
  logRequest,
  notFoundPage,
  refusal,
  refusedViewer,
  SECURITY_HEADERS,
} from './web.js';

const seconds = (): number => Math.floor(Date.now() / 1000);
const wantsHtml = (ctx: Context): boolean => ctx.accepts('json', 'html') === 'html';
const isForm = (ctx: Context): boolean => typeof ctx.is('urlencoded') === 'string';
const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;

function sendPage(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = text;
}

function send(ctx: Context, outcome: Outcome): void {
  if (outcome.redirect !== undefined) {
    ctx.status = 303;
    return ctx.redirect(outcome.redirect);
  }
  if (typeof outcome.body === 'string') return sendPage(ctx, outcome.status, outcome.body);
  ctx.status = outcome.status;
  ctx.body = outcome.body;
}

export async function createApp(options: ExampleOptions = {}): Promise<{ app: Koa; setup: ExampleSetup }> {
  const setup = await setUp(options);
  const { auth, users } = setup;
  const app = new Koa();

  // Guards hand refusals to the error handler below: a page for a browser, JSON for an API client.
  const signedIn = requireAuth(auth, { errors: 'forward' }) as Middleware;
  const viewerOf = (ctx: Context): Viewer | undefined => {
    const session = authOf(ctx, auth, { optional: true });
    return session && { user: session.user, csrf: String(session.claims.csrf) };
  };
  const account =
    (action: 'signup' | 'login'): Middleware =>
    async (ctx) => {
      const outcome = await signUpOrIn(action, users, {
        form: isForm(ctx),
        body: bodyOf(ctx),
        headers: ctx.headers,
      });
      if (outcome.signIn)
        await signIn(ctx, auth, sessionClaims(outcome.signIn.user), { meta: outcome.signIn.meta });
      send(ctx, outcome);
    };
  // A form signs out back to the home page; an API client gets 204.
  const signingOut =
    (everywhere: boolean): Middleware =>
    async (ctx) => {
      await signOut(ctx, auth, { everywhere });
      if (isForm(ctx)) {
        ctx.status = 303;
        ctx.redirect('/');
      } else ctx.status = 204;
    };

  const routes: Record<string, Middleware[]> = {
    'GET /signup': [(ctx) => sendPage(ctx, 200, signUpPage())],
    'POST /signup': [account('signup')],
    'GET /login': [
      (ctx) =>
        sendPage(
          ctx,
          200,
          signInPage(ctx.query.next === undefined ? {} : { next: localPath(ctx.query.next) }),
        ),
    ],
    'POST /login': [account('login')],
    'POST /auth/token': [
      async (ctx) =>
        send(
          ctx,
          await tokenFor(auth, users, { form: isForm(ctx), body: bodyOf(ctx), headers: ctx.headers }),
        ),
    ],
    'GET /': [
      optionalAuth(auth) as Middleware,
      (ctx) => {
        const user = ctx.state.user as User | undefined;
        if (wantsHtml(ctx)) return sendPage(ctx, 200, homePage(viewerOf(ctx)));
        ctx.body = { message: user ? `hello, ${user.email}` : 'hello, guest', signedIn: Boolean(user) };
      },
    ],
    'GET /me': [
      signedIn,
      (ctx) => {
        if (wantsHtml(ctx)) return sendPage(ctx, 200, profilePage(viewerOf(ctx)!));
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { user: ctx.state.user };
      },
    ],
    'GET /admin': [
      requireAuth(auth, { roles: ['admin'], errors: 'forward' }) as Middleware,
      (ctx) => {
        if (wantsHtml(ctx)) return sendPage(ctx, 200, adminPage(viewerOf(ctx)!, users.list()));
        ctx.body = { message: `welcome to the admin page, ${(ctx.state.user as User).email}` };
      },
    ],
    'GET /sessions': [
      signedIn,
      async (ctx) => sendPage(ctx, 200, sessionsPage(viewerOf(ctx)!, await loginsOf(ctx, auth), seconds())),
    ],
    'GET /session': [
      signedIn,
      async (ctx) => {
        const current = (await loginsOf(ctx, auth)).find((login) => login.current);
        sendPage(ctx, 200, statePage(viewerOf(ctx)!, authOf(ctx, auth).claims, current, seconds()));
      },
    ],
    'GET /app': [optionalAuth(auth) as Middleware, (ctx) => sendPage(ctx, 200, apiPage(viewerOf(ctx)))],
    // "Your sessions": a form ends one login (its own login's end is a sign-out); the API page uses JSON.
    'POST /sessions/end': [
      signedIn,
      async (ctx) => {
        const sid = (bodyOf(ctx) as { sid?: unknown } | undefined)?.sid;
        const own = sid === authOf(ctx, auth).claims.sid;
        const ended = await endLogin(ctx, auth, sid);
        if (!isForm(ctx)) return void (ctx.body = { ended });
        ctx.status = 303;
        ctx.redirect(own && ended ? '/' : '/sessions');
      },
    ],
    'GET /auth/logins': [requireAuth(auth) as Middleware, loginsHandler(auth)],
    'DELETE /auth/logins/:sid': [requireAuth(auth) as Middleware, endLoginHandler(auth)],
    'POST /auth/refresh': [refreshHandler(auth)],
    'POST /auth/logout': [signingOut(false)],
    // No requireAuth: the refresh cookie alone names the user once the access token has expired.
    'POST /auth/logout-everywhere': [signingOut(true)],
  };

  // What the browser sent, read before anything below changes the headers.
  app.use(async (ctx, next) => {
    const headers = { ...ctx.headers };
    ctx.res.on('finish', () =>
      logRequest({ method: ctx.method, path: ctx.originalUrl, status: ctx.status, headers }),
    );
    ctx.set(SECURITY_HEADERS);
    await next();
  });
  // A refusal (a guard's, a cross-site sign-out, a store outage) is answered as docs/errors.md "Customising errors"
  // shows: a page for a browser, JSON for an API client.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isAuthError(err)) throw err;
      const html = wantsHtml(ctx);
      // A page that asked to sign in comes back to itself.
      const back = ctx.method === 'GET' ? { next: localPath(ctx.originalUrl) } : {};
      const viewer = html ? await refusedViewer(auth, ctx.req) : undefined;
      const { status, headers, body } = refusal(err, auth.realm, { html, viewer, ...back });
      ctx.set(headers);
      if (typeof body === 'string') return sendPage(ctx, status, body);
      ctx.status = status;
      ctx.body = body;
    }
  });
  app.use(async (ctx, next) => {
    const asset = ctx.method === 'GET' ? ASSETS[ctx.path] : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = asset.body;
  });
  app.use(async (ctx, next) => {
    const body = await readBody(ctx);
    (ctx.request as { body?: unknown }).body = body;
    formCsrf(ctx.headers, body);
    await next();
  });
  // The routes above, with their `:sid`.
  app.use(async (ctx, next) => {
    const match = route(routes, ctx.method, ctx.path);
    if (!match) return next();
    Object.assign(ctx, { params: match.params });
    const dispatch = (i: number): Promise<void> =>
      Promise.resolve(match.chain[i]?.(ctx, () => dispatch(i + 1)));
    await dispatch(0);
  });
  app.use((ctx) => {
    if (wantsHtml(ctx)) return sendPage(ctx, 404, notFoundPage());
    ctx.status = 404;
    ctx.body = { error: 'not found' };
  });
  return { app, setup };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { app, setup } = await createApp();
  const port = Number(process.env.PORT ?? 3001);
  const server = app.listen(port, '127.0.0.1', () => {
    const { port: bound } = server.address() as AddressInfo;
    console.log(banner('Koa example', `http://127.0.0.1:${bound}`, setup));
  });
  server.once('error', (err) => {
    console.error(`Koa example: cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exitCode = 1;
    void setup.close();
  });
}

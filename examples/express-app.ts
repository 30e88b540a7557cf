// A complete small Express app: pages to sign up and in, a profile, an admin page, "Your sessions", the
// session's state, a page that uses the JSON API, and sign-out; JSON for API clients on the same routes.
// Run: npm start
import express, { type Express, type Request, type Response } from 'express';
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
} from 'jwt-gate/express';
import { signUpOrIn, tokenFor, type Outcome } from './accounts.js';
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
import type { User as AppUser } from './users.js';
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

// req.user is what the auth's `user` mapper returns.
declare global {
  namespace Express {
    interface User extends AppUser {}
  }
}

const seconds = (): number => Math.floor(Date.now() / 1000);
const wantsHtml = (req: Request): boolean => req.accepts(['json', 'html']) === 'html';
const isForm = (req: Request): boolean => typeof req.is('urlencoded') === 'string';

function sendPage(res: Response, status: number, text: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(text);
}

function send(res: Response, outcome: Outcome): void {
  if (outcome.redirect !== undefined) res.redirect(303, outcome.redirect);
  else if (typeof outcome.body === 'string') sendPage(res, outcome.status, outcome.body);
  else res.status(outcome.status).json(outcome.body);
}

export async function createApp(
  options: ExampleOptions = {},
): Promise<{ app: Express; setup: ExampleSetup }> {
  const setup = await setUp(options);
  const { auth, users } = setup;
  const app = express();
  app.disable('x-powered-by');
  // What the browser sent, read before anything below changes the headers.
  app.use((req, res, next) => {
    const headers = { ...req.headers };
    res.on('finish', () =>
      logRequest({ method: req.method, path: req.originalUrl, status: res.statusCode, headers }),
    );
    res.set(SECURITY_HEADERS);
    next();
  });
  app.use(express.json({ limit: '10kb' }), express.urlencoded({ extended: false, limit: '10kb' }));
  app.use((req, _res, next) => {
    formCsrf(req.headers, req.body);
    next();
  });
  for (const [path, asset] of Object.entries(ASSETS))
    app.get(path, (_req, res) => void res.type(asset.type).set('Cache-Control', 'no-cache').send(asset.body));

  // Guards hand refusals to the error handler below: a page for a browser, JSON for an API client.
  const signedIn = requireAuth(auth, { errors: 'forward' });
  const viewerOf = (req: Request): Viewer | undefined => {
    const session = authOf(req, auth, { optional: true });
    return session && { user: session.user, csrf: String(session.claims.csrf) };
  };
  const account = (action: 'signup' | 'login') => async (req: Request, res: Response) => {
    const outcome = await signUpOrIn(action, users, {
      form: isForm(req),
      body: req.body,
      headers: req.headers,
    });
    if (outcome.signIn)
      await signIn(res, auth, sessionClaims(outcome.signIn.user), { meta: outcome.signIn.meta });
    send(res, outcome);
  };
  // A form signs out back to the home page; an API client gets 204.
  const signingOut = (everywhere: boolean) => async (req: Request, res: Response) => {
    await signOut(res, auth, { everywhere });
    if (isForm(req)) res.redirect(303, '/');
    else res.sendStatus(204);
  };

  app.get('/signup', (_req, res) => sendPage(res, 200, signUpPage()));
  app.post('/signup', account('signup'));
  app.get('/login', (req, res) =>
    sendPage(res, 200, signInPage(req.query.next === undefined ? {} : { next: localPath(req.query.next) })),
  );
  app.post('/login', account('login'));
  app.post('/auth/token', async (req, res) => {
    send(res, await tokenFor(auth, users, { form: isForm(req), body: req.body, headers: req.headers }));
  });

  app.get('/', optionalAuth(auth), (req, res) => {
    const user: AppUser | undefined = req.user;
    if (wantsHtml(req)) return sendPage(res, 200, homePage(viewerOf(req)));
    res.json({ message: user ? `hello, ${user.email}` : 'hello, guest', signedIn: Boolean(user) });
  });
  app.get('/me', signedIn, (req, res) => {
    if (wantsHtml(req)) return sendPage(res, 200, profilePage(viewerOf(req)!));
    res.set('Cache-Control', 'no-store').json({ user: req.user });
  });
  app.get('/admin', requireAuth(auth, { roles: ['admin'], errors: 'forward' }), (req, res) => {
    if (wantsHtml(req)) return sendPage(res, 200, adminPage(viewerOf(req)!, users.list()));
    res.json({ message: `welcome to the admin page, ${req.user?.email}` });
  });
  app.get('/sessions', signedIn, async (req, res) => {
    sendPage(res, 200, sessionsPage(viewerOf(req)!, await loginsOf(req, auth), seconds()));
  });
  app.get('/session', signedIn, async (req, res) => {
    const current = (await loginsOf(req, auth)).find((login) => login.current);
    sendPage(res, 200, statePage(viewerOf(req)!, authOf(req, auth).claims, current, seconds()));
  });
  app.get('/app', optionalAuth(auth), (req, res) => sendPage(res, 200, apiPage(viewerOf(req))));

  // "Your sessions": a form ends one login (its own login's end is a sign-out); the API page uses JSON.
  app.post('/sessions/end', signedIn, async (req, res) => {
    const sid: unknown = (req.body as { sid?: unknown } | undefined)?.sid;
    const own = sid === authOf(req, auth).claims.sid;
    const ended = await endLogin(res, auth, sid);
    if (isForm(req)) res.redirect(303, own && ended ? '/' : '/sessions');
    else res.json({ ended });
  });
  app.get('/auth/logins', requireAuth(auth), loginsHandler(auth));
  app.delete('/auth/logins/:sid', requireAuth(auth), endLoginHandler(auth));

  app.post('/auth/refresh', refreshHandler(auth));
  app.post('/auth/logout', signingOut(false));
  // Ends every session of this user, on every device: tokens issued before now are refused. No
  // requireAuth: the refresh cookie alone names the user once the access token has expired.
  app.post('/auth/logout-everywhere', signingOut(true));

  app.use((req, res) => {
    if (wantsHtml(req)) sendPage(res, 404, notFoundPage());
    else res.status(404).json({ error: 'not found' });
  });
  // A refusal (a guard's, a cross-site sign-out, a store outage) is answered as docs/errors.md "Customising
  // errors" shows; a body that is not JSON gets the answer to missing credentials, without the parser's words.
  app.use(
    async (
      err: { status?: number; type?: string },
      req: Request,
      res: Response,
      next: express.NextFunction,
    ) => {
      if (isAuthError(err)) {
        const html = wantsHtml(req);
        // A page that asked to sign in comes back to itself.
        const back = req.method === 'GET' ? { next: localPath(req.originalUrl) } : {};
        const viewer = html ? await refusedViewer(auth, req) : undefined;
        const { status, headers, body } = refusal(err, auth.realm, { html, viewer, ...back });
        res.status(status).set(headers);
        return typeof body === 'string' ? sendPage(res, status, body) : void res.json(body);
      }
      if (err.type === 'entity.parse.failed')
        return void res.status(400).json({ error: 'a valid email is required' });
      if (err.type === 'entity.too.large') return void res.status(413).json({ error: 'body too large' });
      next(err);
    },
  );

  return { app, setup };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { app, setup } = await createApp();
  const port = Number(process.env.PORT ?? 3000);
  // Express 5 hands a listen error (the port is taken) to this callback, not to an 'error' event.
  const server = app.listen(port, '127.0.0.1', (err?: Error) => {
    if (err) {
      console.error(`Express example: cannot listen on 127.0.0.1:${port}: ${err.message}`);
      process.exitCode = 1;
      return void setup.close();
    }
    const { port: bound } = server.address() as AddressInfo;
    console.log(banner('Express example', `http://127.0.0.1:${bound}`, setup));
  });
}

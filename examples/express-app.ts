// A complete small Express app: sign up, log in, a profile, an admin page, a public page, log out.
// Run: npm start
import express, { type Express } from 'express';
import { pathToFileURL } from 'node:url';
import { isAuthError, toHttpError } from 'jwt-gate';
import { optionalAuth, refreshHandler, requireAuth, signIn, signOut } from 'jwt-gate/express';
import { banner, sessionClaims, setUp, type ExampleOptions, type ExampleSetup } from './setup.js';
import { readCredentials, type User as AppUser } from './users.js';

// req.user is what the auth's `user` mapper returns.
declare global {
  namespace Express {
    interface User extends AppUser {}
  }
}

export async function createApp(
  options: ExampleOptions = {},
): Promise<{ app: Express; setup: ExampleSetup }> {
  const setup = await setUp(options);
  const { auth, users } = setup;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '10kb' }));

  app.post('/signup', async (req, res) => {
    const credentials = readCredentials(req.body);
    if (typeof credentials === 'string') return void res.status(400).json({ error: credentials });
    const user = await users.signUp(credentials.email, credentials.password);
    if (!user) return void res.status(409).json({ error: 'that email is taken' });
    await signIn(res, auth, sessionClaims(user));
    res.status(201).json({ user });
  });

  app.post('/login', async (req, res) => {
    const credentials = readCredentials(req.body);
    if (typeof credentials === 'string') return void res.status(400).json({ error: credentials });
    const user = await users.logIn(credentials.email, credentials.password);
    if (!user) return void res.status(401).json({ error: 'wrong email or password' });
    const token = await signIn(res, auth, sessionClaims(user));
    // The cookie is the session; the token is returned too for API clients that send a Bearer header.
    res.json({ user, token });
  });

  app.get('/me', requireAuth(auth), (req, res) => {
    res.json({ user: req.user });
  });

  app.get('/admin', requireAuth(auth, { roles: ['admin'] }), (req, res) => {
    res.json({ message: `welcome to the admin page, ${req.user?.email}` });
  });

  app.get('/', optionalAuth(auth), (req, res) => {
    const user: AppUser | undefined = req.user;
    res.json({ message: user ? `hello, ${user.email}` : 'hello, guest', signedIn: Boolean(user) });
  });

  app.post('/auth/refresh', refreshHandler(auth));

  app.post('/auth/logout', async (_req, res) => {
    await signOut(res, auth);
    res.sendStatus(204);
  });

  // Ends every session of this user, on every device: tokens issued before now are refused. No
  // requireAuth: the refresh cookie alone names the user once the access token has expired.
  app.post('/auth/logout-everywhere', async (_req, res) => {
    await signOut(res, auth, { everywhere: true });
    res.sendStatus(204);
  });

  // A body that is not JSON gets the same answer as missing credentials, without the parser's words.
  // A sign-out that was refused (a cross-site form, a store outage) is answered as the guards answer.
  app.use(
    (
      err: { status?: number; type?: string },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (isAuthError(err)) {
        const { status, headers, body } = toHttpError(err, auth.realm);
        return void res.status(status).set(headers).json(body);
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
  app.listen(port, '127.0.0.1', () =>
    console.log(banner('Express example', `http://127.0.0.1:${port}`, setup)),
  );
}

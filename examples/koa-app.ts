// The same app on Koa: sign up, log in, a profile, an admin page, a public page, log out.
// Run: npx tsx examples/koa-app.ts
import Koa, { type Context } from 'koa';
import { pathToFileURL } from 'node:url';
import { isAuthError, toHttpError } from 'jwt-gate';
import { optionalAuth, refreshHandler, requireAuth, signIn, signOut } from 'jwt-gate/koa';
import { banner, sessionClaims, setUp, type ExampleOptions, type ExampleSetup } from './setup.js';
import { readCredentials, type User } from './users.js';

const BODY_LIMIT = 10 * 1024;

// Koa parses no bodies; a small JSON reader keeps the example free of extra packages.
async function jsonBody(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return ctx.throw(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    // Decoded once, whole: a character split across two packets stays one character.
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function createApp(options: ExampleOptions = {}): Promise<{ app: Koa; setup: ExampleSetup }> {
  const setup = await setUp(options);
  const { auth, users } = setup;
  const app = new Koa();

  const credentialsOf = async (ctx: Context): Promise<{ email: string; password: string } | undefined> => {
    const credentials = readCredentials(await jsonBody(ctx));
    if (typeof credentials !== 'string') return credentials;
    ctx.status = 400;
    ctx.body = { error: credentials };
    return undefined;
  };

  const routes: Record<string, Koa.Middleware[]> = {
    'POST /signup': [
      async (ctx) => {
        const credentials = await credentialsOf(ctx);
        if (!credentials) return;
        const user = await users.signUp(credentials.email, credentials.password);
        if (!user) return void ((ctx.status = 409), (ctx.body = { error: 'that email is taken' }));
        await signIn(ctx, auth, sessionClaims(user));
        ctx.status = 201;
        ctx.body = { user };
      },
    ],
    'POST /login': [
      async (ctx) => {
        const credentials = await credentialsOf(ctx);
        if (!credentials) return;
        const user = await users.logIn(credentials.email, credentials.password);
        if (!user) return void ((ctx.status = 401), (ctx.body = { error: 'wrong email or password' }));
        const token = await signIn(ctx, auth, sessionClaims(user));
        ctx.body = { user, token };
      },
    ],
    'GET /me': [
      requireAuth(auth),
      (ctx) => {
        ctx.body = { user: ctx.state.user };
      },
    ],
    'GET /admin': [
      requireAuth(auth, { roles: ['admin'] }),
      (ctx) => {
        ctx.body = { message: `welcome to the admin page, ${(ctx.state.user as User).email}` };
      },
    ],
    'GET /': [
      optionalAuth(auth),
      (ctx) => {
        const user = ctx.state.user as User | undefined;
        ctx.body = { message: user ? `hello, ${user.email}` : 'hello, guest', signedIn: Boolean(user) };
      },
    ],
    'POST /auth/refresh': [refreshHandler(auth)],
    'POST /auth/logout': [
      async (ctx) => {
        await signOut(ctx, auth);
        ctx.status = 204;
      },
    ],
    // No requireAuth: the refresh cookie alone names the user once the access token has expired.
    'POST /auth/logout-everywhere': [
      async (ctx) => {
        await signOut(ctx, auth, { everywhere: true });
        ctx.status = 204;
      },
    ],
  };

  // A sign-out that was refused (a cross-site form, a store outage) is answered as the guards answer.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isAuthError(err)) throw err;
      const { status, headers, body } = toHttpError(err, auth.realm);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    }
  });

  // A router in a few lines, so the example needs nothing beyond Koa.
  app.use(async (ctx, next) => {
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    const dispatch = (i: number): Promise<void> => Promise.resolve(chain[i]?.(ctx, () => dispatch(i + 1)));
    await dispatch(0);
  });
  return { app, setup };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { app, setup } = await createApp();
  const port = Number(process.env.PORT ?? 3001);
  app.listen(port, '127.0.0.1', () => console.log(banner('Koa example', `http://127.0.0.1:${port}`, setup)));
}

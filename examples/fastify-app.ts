// The same app's JSON API on Fastify: sign up, log in, a profile, an admin page, a public page, "Your
// sessions", log out (the pages are the Express and Koa apps'). Run: npm run start:fastify
import Fastify, { type FastifyInstance } from 'fastify';
import { pathToFileURL } from 'node:url';
import { isAuthError, toHttpError } from 'jwt-gate';
import {
  authOf,
  jwtGate,
  optionalAuth,
  refreshHandler,
  requireAuth,
  signIn,
  signOut,
  withUser,
} from 'jwt-gate/fastify';
import { tokenFor } from './accounts.js';
import { banner, sessionClaims, setUp, type ExampleOptions, type ExampleSetup } from './setup.js';
import { readCredentials, type User } from './users.js';

// request.user is what the auth's `user` mapper returns.
declare module 'jwt-gate/fastify' {
  interface SessionUser extends User {}
}

export async function createApp(
  options: ExampleOptions = {},
): Promise<{ app: FastifyInstance; setup: ExampleSetup }> {
  const setup = await setUp(options);
  const { auth, users } = setup;
  const app = Fastify({ bodyLimit: 10 * 1024 });
  await app.register(jwtGate);

  app.post('/signup', async (request, reply) => {
    const credentials = readCredentials(request.body);
    if (typeof credentials === 'string') return reply.code(400).send({ error: credentials });
    const user = await users.signUp(credentials.email, credentials.password);
    if (!user) return reply.code(409).send({ error: 'that email is taken' });
    await signIn(reply, auth, sessionClaims(user));
    return reply.code(201).send({ user });
  });

  app.post('/login', async (request, reply) => {
    const credentials = readCredentials(request.body);
    if (typeof credentials === 'string') return reply.code(400).send({ error: credentials });
    const user = await users.logIn(credentials.email, credentials.password);
    if (!user) return reply.code(401).send({ error: 'wrong email or password' });
    // The session is the HttpOnly cookie: no token in the body, where page script could read it.
    await signIn(reply, auth, sessionClaims(user));
    return { user };
  });

  // A Bearer token for an API client, in the body and no cookie.
  app.post('/auth/token', async (request, reply) => {
    const { status, body } = await tokenFor(auth, users, {
      form: false,
      body: request.body,
      headers: request.headers,
    });
    return reply.code(status).send(body);
  });

  // onRequest: the guard answers before Fastify reads a body.
  app.get('/me', { onRequest: requireAuth(auth) }, async (request) => ({ user: request.user }));

  // withUser: request.user typed as the auth's users, never undefined behind the guard.
  app.get(
    '/admin',
    { onRequest: requireAuth(auth, { roles: ['admin'] }) },
    withUser(auth, async (request) => ({ message: `welcome to the admin page, ${request.user.email}` })),
  );

  app.get('/', { onRequest: optionalAuth(auth) }, async (request) => {
    const user: User | undefined = request.user;
    return { message: user ? `hello, ${user.email}` : 'hello, guest', signedIn: Boolean(user) };
  });

  // The user's logins ("Your sessions"), through the core: jwt-gate/fastify has no helper for them yet.
  app.get('/auth/logins', { onRequest: requireAuth(auth) }, async (request, reply) => {
    const session = authOf(request, auth);
    const logins = await auth.logins(session.claims.sub ?? '', { session });
    return reply.header('Cache-Control', 'no-store').send({ logins });
  });

  app.post('/auth/refresh', refreshHandler(auth));

  app.post('/auth/logout', async (_request, reply) => {
    await signOut(reply, auth);
    return reply.code(204).send();
  });

  // Ends every session of this user, on every device: tokens issued before now are refused. No
  // requireAuth: the refresh cookie alone names the user once the access token has expired.
  app.post('/auth/logout-everywhere', async (_request, reply) => {
    await signOut(reply, auth, { everywhere: true });
    return reply.code(204).send();
  });

  // A sign-out that was refused (a cross-site form, a store outage) is answered as the guards answer.
  // A body that is not JSON (or a form: 415) gets the answer to missing credentials, without the parser's words.
  app.setErrorHandler((err, _request, reply) => {
    if (isAuthError(err)) {
      const { status, headers, body } = toHttpError(err, auth.realm);
      return reply.code(status).headers(headers).send(body);
    }
    const { statusCode } = err as { statusCode?: number };
    if (statusCode === 413) return reply.code(413).send({ error: 'body too large' });
    if (statusCode === 400 || statusCode === 415)
      return reply.code(400).send({ error: 'a valid email is required' });
    throw err;
  });

  return { app, setup };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { app, setup } = await createApp();
  const port = Number(process.env.PORT ?? 3002);
  try {
    const address = await app.listen({ port, host: '127.0.0.1' });
    console.log(banner('Fastify example', address, setup));
  } catch (err) {
    console.error(`Fastify example: cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
    process.exitCode = 1;
    await setup.close();
  }
}

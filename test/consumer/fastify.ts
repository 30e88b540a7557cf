// A Fastify consumer of the published package, with request.user declared as the app's own; see core.ts.
import Fastify from 'fastify';
import { createAuth, hs256 } from 'jwt-gate';
import {
  authOf,
  jwtGate,
  optionalAuth,
  requireAuth,
  signIn,
  withUser,
  type AuthHook,
} from 'jwt-gate/fastify';

declare module 'jwt-gate/fastify' {
  interface SessionUser {
    id: string;
  }
}

const auth = createAuth({ key: hs256('x'.repeat(32)), user: (claims) => ({ id: claims.sub ?? '' }) });

export const app = Fastify();
void app.register(jwtGate);
app.post('/login', async (_request, reply) => {
  await signIn(reply, auth, { sub: 'user-1' });
  return reply.code(204).send();
});
app.get('/me', { onRequest: requireAuth(auth, { roles: ['admin'] }) }, async (request) => {
  const { user, claims } = authOf(request, auth); // typed from the Auth
  const id: string = user.id;
  const sub: string | undefined = claims.sub;
  const declared: string | undefined = request.user?.id; // typed from SessionUser
  return { id, sub, declared };
});
app.get(
  '/profile',
  { onRequest: requireAuth(auth, { errors: 'forward' }) },
  withUser(auth, async (request) => {
    const id: string = request.user.id; // typed from the Auth, no `!`
    const claims: string | undefined = request.auth?.sub; // request.auth holds the claims
    return { id, claims };
  }),
);
void app.register(async (scope) => {
  const guard: AuthHook = optionalAuth(auth);
  scope.addHook('preHandler', guard);
  scope.get('/feed', async (request) => ({ why: request.authError?.code }));
});
// @ts-expect-error `errors` is 'respond' or 'forward'
requireAuth(auth, { errors: 'throw' });
// @ts-expect-error express-jwt's error shape is for express-jwt's handlers
requireAuth(auth, { errors: 'express-jwt' });

// An Express consumer of the published package; see core.ts.
import express from 'express';
import { createAuth, hs256 } from 'jwt-gate';
import { authOf, optionalAuth, requireAuth, signIn, withUser } from 'jwt-gate/express';

const auth = createAuth({ key: hs256('x'.repeat(32)) });

export const app = express();
app.post('/login', async (_req, res) => {
  await signIn(res, auth, { sub: 'user-1' });
  res.sendStatus(204);
});
app.get('/me', requireAuth(auth, { roles: ['admin'] }), (req, res) => {
  const { user, claims } = authOf(req, auth); // typed from the Auth
  const sub: string | undefined = claims.sub;
  res.json({ user, sub, merged: req.user });
});
app.get(
  '/profile',
  requireAuth(auth, { errors: 'express-jwt' }),
  withUser(auth, (req, res) => {
    const sub: string | undefined = req.user.sub; // typed from the Auth, no `!`
    res.json({ sub });
  }),
);
app.get('/feed', optionalAuth(auth), (req, res) => {
  res.json({ anonymous: req.user === undefined, why: req.authError?.code });
});
// @ts-expect-error roles are strings
requireAuth(auth, { roles: [1] });

// A Passport consumer of the published package: JwtGateStrategy beside jwt-gate/express's sessions; see core.ts.
import express from 'express';
import passport from 'passport';
import { createAuth, hs256 } from 'jwt-gate';
import { signIn } from 'jwt-gate/express';
import { JwtGateStrategy, type JwtGateInfo } from 'jwt-gate/passport';

const auth = createAuth({ key: hs256('x'.repeat(32)), user: (claims) => ({ id: claims.sub ?? '' }) });
const strategy = new JwtGateStrategy(auth, { roles: ['admin'] });
passport.use(strategy);
passport.use('member', new JwtGateStrategy(auth));

export const app = express();
app.use(passport.initialize());
app.post('/login', async (_req, res) => {
  await signIn(res, auth, { sub: 'user-1' });
  res.sendStatus(204);
});
app.get('/me', passport.authenticate('jwt-gate', { session: false }), (req, res) => {
  res.json({ user: req.user, why: req.authError?.code });
});

export const success: (user: { id: string }, info: JwtGateInfo) => void = strategy.success;
// @ts-expect-error roles are strings
new JwtGateStrategy(auth, { roles: [1] });
// @ts-expect-error the user is what the Auth's mapper returns
strategy.success({ sub: 'user-1' }, { claims: {}, source: 'bearer' });

// before.ts migrated as docs/migrating-from-passport-jwt.md says: the strategy is jwt-gate's, registered
// under passport-jwt's name so the routes stay as they were; the verify callback is the Auth's user mapper;
// /login issues the token with the same Auth.
import express, { type ErrorRequestHandler } from 'express';
import { createAuth, hs256 } from 'jwt-gate';
import { JwtGateStrategy } from 'jwt-gate/passport';
import { Passport } from 'passport';
import { findUserById, findUserByName, publicUser, type User } from './users.js';

export function createApp(secret: string): express.Express {
  const auth = createAuth({
    key: hs256(secret),
    issuer: 'shop.example',
    audience: 'shop-api',
    expiresIn: '1h',
    user: (claims) => findUserById(claims.sub),
  });
  const passport = new Passport();
  passport.use('jwt', new JwtGateStrategy(auth));

  const app = express();
  app.use(express.json());
  app.use(passport.initialize());

  app.post('/login', async (req, res) => {
    const { name, password } = req.body as { name?: unknown; password?: unknown };
    const user = await findUserByName(name);
    if (!user || user.password !== password) {
      res.status(401).json({ error: 'wrong name or password' });
      return;
    }
    const token = await auth.issue({ sub: user.id });
    res.json({ token });
  });
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  app.get('/profile', passport.authenticate('jwt', { session: false }), (req, res) => {
    res.json(publicUser(req.user as User));
  });
  app.get('/admin/stats', passport.authenticate('jwt', { session: false }), (req, res) => {
    if ((req.user as User).role !== 'admin') {
      res.status(403).json({ error: 'admins only' });
      return;
    }
    res.json({ users: 2 });
  });
  const onError: ErrorRequestHandler = (_err, _req, res, _next) => {
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

// A typical passport-jwt app: POST /login answers a token signed with jsonwebtoken, the API routes take it as
// a Bearer token through passport-jwt, whose verify callback looks the user up. after.ts is the same app
// migrated as docs/migrating-from-passport-jwt.md says; app.test.ts runs the same tests against both.
import express, { type ErrorRequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { findUserById, findUserByName, publicUser, type User } from './users.js';

export function createApp(secret: string): express.Express {
  const passport = new Passport();
  passport.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: secret,
        issuer: 'shop.example',
        audience: 'shop-api',
        algorithms: ['HS256'],
      },
      (payload: { sub?: unknown }, done: (err: unknown, user?: User | false) => void) => {
        findUserById(payload.sub).then(
          (user) => done(null, user ?? false),
          (err: unknown) => done(err),
        );
      },
    ),
  );

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
    const token = jwt.sign({ sub: user.id }, secret, {
      expiresIn: '1h',
      issuer: 'shop.example',
      audience: 'shop-api',
    });
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

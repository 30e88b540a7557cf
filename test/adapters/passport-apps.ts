// An Express 5 app with passport 0.7 and one JwtGateStrategy on /me, whose error handler answers what it
// was given (name, status, message, code) and req.authError's code: what passport handed on, seen from outside.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import passport from 'passport';
import type { JwtGateStrategy } from '../../adapters/passport.js';

// What the app's error handler was given, and req.authError.
export const onError: ErrorRequestHandler = (
  err: { name?: string; status?: number; message?: string; code?: string },
  req,
  res,
  _next,
) => {
  const { name, status, message, code } = err;
  res
    .status(status ?? 500)
    .json({ error: { name, status, message, code }, authError: req.authError?.code ?? null });
};

export function appWith(
  strategy: JwtGateStrategy<unknown>,
  options: passport.AuthenticateOptions = {},
  initialize = true,
): express.Express {
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  const app = express();
  if (initialize) app.use(authenticator.initialize());
  app.all(
    '/me',
    authenticator.authenticate('jwt-gate', { session: false, ...options }) as RequestHandler,
    (req, res) => {
      res.json({ user: req.user ?? null, assigned: (req as { account?: unknown }).account ?? null });
    },
  );
  app.get('/login', (_req, res) => void res.send('login page'));
  app.use(onError);
  return app;
}

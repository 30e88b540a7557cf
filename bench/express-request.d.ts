// What an app that reads `req.auth` declares (docs/typing.md): jwt-gate leaves it undeclared,
// since express-oauth2-jwt-bearer declares `req.auth` with another type.
import type { Claims } from 'jwt-gate';

declare global {
  namespace Express {
    interface Request {
      auth?: Claims | undefined;
    }
  }
}

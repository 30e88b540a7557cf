// What an app that reads `req.auth` declares (docs/typing.md): jwt-gate leaves it undeclared,
// since express-oauth2-jwt-bearer declares `req.auth` with another type.
import type { Claims } from '../../src/index.js';

declare global {
  namespace Express {
    interface Request {
      auth?: Claims | undefined;
    }
  }
}

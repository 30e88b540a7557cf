import type { AuthError, AuthErrorCode, AuthErrorHeaders, AuthErrorStatus } from '../errors.js';

/**
 * How `errors: 'express-jwt'` and `errors: 'koa-jwt'` forward a refusal: as the error those libraries
 * throw, so that an app's error handler written for them keeps working.
 */
export type ErrorStyle = 'express-jwt' | 'koa-jwt';

/** express-jwt's codes (and express-jwt-permissions' `permission_denied`): never jwt-gate's `ERR_` codes. */
export type UnauthorizedErrorCode =
  | 'credentials_required'
  | 'credentials_bad_scheme'
  | 'credentials_bad_format'
  | 'invalid_token'
  | 'revoked_token'
  | 'permission_denied';

/** What `err.inner` (express-jwt) and `err.originalError` (koa-jwt) hold: jsonwebtoken's error names and messages. */
export interface PeerInnerError {
  readonly name?: string;
  readonly message: string;
}

/**
 * A refusal shaped as express-jwt's `UnauthorizedError` and koa-jwt's `ctx.throw(401)`: `name`, express-jwt's
 * `code` and `inner`, koa-jwt's `originalError`, and `status`, `statusCode`, `expose`, `headers` for the
 * frameworks' own handlers. jwt-gate's `AuthError`, with its stable `ERR_` code, is its `cause`.
 */
export class UnauthorizedError extends Error {
  readonly code: UnauthorizedErrorCode;
  readonly status: AuthErrorStatus;
  readonly statusCode: AuthErrorStatus;
  readonly expose = true as const;
  readonly headers: AuthErrorHeaders;
  /** As express-jwt sets it: jsonwebtoken's error for a bad token, else `{ message }`. */
  readonly inner: PeerInnerError;
  /** As koa-jwt sets it: jsonwebtoken's error for a bad token, `Error('Token revoked')`; else `undefined`. */
  readonly originalError: Error | undefined;
  declare readonly cause: AuthError;

  constructor(error: AuthError, style: ErrorStyle, authorization: unknown) {
    const shape = shapeOf(error, authorization);
    super(style === 'express-jwt' ? shape.inner.message : shape.koaMessage, { cause: error });
    this.name = style === 'koa-jwt' && error.status === 403 ? 'ForbiddenError' : 'UnauthorizedError';
    this.code = shape.code;
    this.status = error.status;
    this.statusCode = error.status;
    this.headers = error.headers;
    this.inner = shape.inner;
    this.originalError = shape.original;
  }
}

/** The AuthError as `style` forwards it; one the peers have no such error for (CSRF, an outage) is left as it is. */
export function inStyle(
  error: AuthError,
  style: ErrorStyle,
  authorization: unknown,
): AuthError | UnauthorizedError {
  return error.status === 401 || error.code === 'ERR_FORBIDDEN' || error.code === 'ERR_BAD_REQUEST'
    ? new UnauthorizedError(error, style, authorization)
    : error;
}

interface Shape {
  readonly code: UnauthorizedErrorCode;
  readonly inner: PeerInnerError;
  readonly original: Error | undefined;
  readonly koaMessage: string;
}

const KOA_MESSAGE = 'Authentication Error';
const BAD_HEADER = {
  code: 'credentials_bad_format',
  inner: Object.freeze({ message: 'Format is Authorization: Bearer [token]' }),
  original: undefined,
  koaMessage: 'Bad Authorization header format. Format is "Authorization: Bearer <token>"',
} as const;

// jsonwebtoken's names and messages for what jwt-gate refuses; fixed, never the token or a setting.
const JWT_ERRORS: Partial<Record<AuthErrorCode, readonly [string, string]>> = {
  ERR_TOKEN_EXPIRED: ['TokenExpiredError', 'jwt expired'],
  ERR_TOKEN_NOT_YET_VALID: ['NotBeforeError', 'jwt not active'],
  ERR_TOKEN_MALFORMED: ['JsonWebTokenError', 'jwt malformed'],
  ERR_SIGNATURE_INVALID: ['JsonWebTokenError', 'invalid signature'],
  ERR_ALG_NOT_ALLOWED: ['JsonWebTokenError', 'invalid algorithm'],
  ERR_KEY_NOT_FOUND: ['JsonWebTokenError', 'invalid token'],
};
// A Map: a claim named by requiredClaims ("constructor") is looked up as data.
const CLAIM_MESSAGES: ReadonlyMap<string | undefined, string> = new Map([
  ['aud', 'jwt audience invalid'],
  ['iss', 'jwt issuer invalid'],
  ['sub', 'jwt subject invalid'],
  ['jti', 'jwt jwtid invalid'],
]);

function jwtError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function shapeOf(error: AuthError, authorization: unknown): Shape {
  switch (error.code) {
    case 'ERR_TOKEN_MISSING': {
      // express-jwt tells an Authorization header of another scheme from none at all; koa-jwt refuses both.
      if (typeof authorization !== 'string' || authorization.trim() === '')
        return {
          code: 'credentials_required',
          inner: { message: 'No authorization token was found' },
          original: undefined,
          koaMessage: KOA_MESSAGE,
        };
      return authorization.split(' ').length === 2
        ? { ...BAD_HEADER, code: 'credentials_bad_scheme' }
        : BAD_HEADER;
    }
    case 'ERR_BAD_REQUEST':
      return BAD_HEADER;
    case 'ERR_TOKEN_REVOKED':
      return {
        code: 'revoked_token',
        inner: { message: 'The token has been revoked.' },
        original: new Error('Token revoked'),
        koaMessage: KOA_MESSAGE,
      };
    case 'ERR_FORBIDDEN':
      return {
        code: 'permission_denied',
        inner: { message: 'Permission denied' },
        original: undefined,
        koaMessage: 'Forbidden',
      };
    default: {
      // A user mapper that finds nobody has no jsonwebtoken name: a plain Error, as koa-jwt's isRevoked gives.
      const [name, message] =
        JWT_ERRORS[error.code] ??
        (error.code === 'ERR_CLAIM_INVALID'
          ? ['JsonWebTokenError', CLAIM_MESSAGES.get(error.claim) ?? 'invalid token']
          : ['Error', error.message]);
      const inner = jwtError(name, message);
      return { code: 'invalid_token', inner, original: inner, koaMessage: KOA_MESSAGE };
    }
  }
}

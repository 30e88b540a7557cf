/** Every way a request can fail authentication; stable forever, safe to branch on. */
export type AuthErrorCode =
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_ALG_NOT_ALLOWED'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_CLAIM_INVALID'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_USER_NOT_FOUND'
  | 'ERR_FORBIDDEN'
  | 'ERR_BAD_REQUEST'
  | 'ERR_DUPLICATE_COOKIE'
  | 'ERR_KEYS_UNAVAILABLE'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_CSRF';

/** The RFC 6750 §3.1 error codes carried in `WWW-Authenticate`. */
export type BearerError = 'invalid_token' | 'invalid_request' | 'insufficient_scope';

/** The statuses an `AuthError` carries: a malformed request, no or a bad token, a refused access, an outage. */
export type AuthErrorStatus = 400 | 401 | 403 | 503;

interface CodeRow {
  readonly status: AuthErrorStatus;
  readonly error: BearerError | undefined;
  readonly description: string;
}

// Descriptions are fixed sentences: they never carry input, so they need no escaping in a header.
const TABLE = {
  ERR_TOKEN_MISSING: { status: 401, error: undefined, description: 'authentication required' },
  ERR_TOKEN_MALFORMED: { status: 401, error: 'invalid_token', description: 'token malformed' },
  ERR_ALG_NOT_ALLOWED: { status: 401, error: 'invalid_token', description: 'token algorithm not allowed' },
  ERR_SIGNATURE_INVALID: { status: 401, error: 'invalid_token', description: 'token signature invalid' },
  ERR_TOKEN_EXPIRED: { status: 401, error: 'invalid_token', description: 'token expired' },
  ERR_TOKEN_NOT_YET_VALID: { status: 401, error: 'invalid_token', description: 'token not yet valid' },
  ERR_CLAIM_INVALID: { status: 401, error: 'invalid_token', description: 'token claim invalid' },
  ERR_KEY_NOT_FOUND: { status: 401, error: 'invalid_token', description: 'token key unknown' },
  ERR_TOKEN_REVOKED: { status: 401, error: 'invalid_token', description: 'token revoked' },
  ERR_USER_NOT_FOUND: { status: 401, error: 'invalid_token', description: 'token user not found' },
  ERR_FORBIDDEN: { status: 403, error: 'insufficient_scope', description: 'insufficient permissions' },
  ERR_BAD_REQUEST: { status: 400, error: 'invalid_request', description: 'malformed authorization header' },
  ERR_DUPLICATE_COOKIE: {
    status: 400,
    error: 'invalid_request',
    description: 'authentication cookie sent more than once',
  },
  ERR_KEYS_UNAVAILABLE: { status: 503, error: undefined, description: 'verification keys unavailable' },
  ERR_STORE_UNAVAILABLE: { status: 503, error: undefined, description: 'session store unavailable' },
  ERR_CSRF: { status: 403, error: undefined, description: 'cross-site request refused' },
} as const satisfies Record<AuthErrorCode, CodeRow>;

/** The fixed description of every code, as docs/errors.md documents it. */
export const errorDescriptions: Readonly<Record<AuthErrorCode, string>> = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([code, row]) => [code, row.description])) as Record<
    AuthErrorCode,
    string
  >,
);

export const DEFAULT_REALM = 'api';
const BRAND: unique symbol = Symbol.for('jwt-gate.AuthError') as never;

/** What an `AuthError` may carry beside its code. */
export interface AuthErrorOptions {
  /** The claim that failed, for `ERR_CLAIM_INVALID`. */
  readonly claim?: string;
  /** The realm named in `WWW-Authenticate`. @default 'api' */
  readonly realm?: string;
  readonly cause?: unknown;
  /**
   * `Set-Cookie` values the response must carry whoever renders the error: a sign-out that could
   * not revoke still clears the browser's cookies (Koa's error handler drops the headers set before).
   */
  readonly setCookie?: readonly string[];
}

/** The headers an AuthError asks its response to carry; Express's and Koa's error handlers set them. */
export interface AuthErrorHeaders {
  readonly 'WWW-Authenticate'?: string;
  readonly 'Set-Cookie'?: readonly string[];
}

/** The one error jwt-gate throws for a request that fails authentication. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: AuthErrorStatus;
  /** Same as `status`, for Express's and Koa's error handlers. */
  readonly statusCode: AuthErrorStatus;
  /** The RFC 6750 error code, when the status has one. */
  readonly error: BearerError | undefined;
  readonly claim: string | undefined;
  /** Koa renders the message of an exposed error instead of logging it as a crash. */
  readonly expose = true as const;
  readonly headers: AuthErrorHeaders;

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    const row: CodeRow = TABLE[code];
    super(row.description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = row.status;
    this.statusCode = row.status;
    this.error = row.error;
    this.claim = options.claim;
    const challenge = challengeHeaders(code, options.realm ?? DEFAULT_REALM);
    this.headers =
      options.setCookie === undefined
        ? challenge
        : Object.freeze({ ...challenge, 'Set-Cookie': [...options.setCookie] });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

// The subject of a refused token whose signature was verified, for the `refused` event: kept beside the
// error, not in it, so that an error handler that serialises the error sends no claim to the client.
const SUBJECT = new WeakMap<AuthError, string>();

/** Notes that `err` refused a token of `claims.sub`, verified as far as its signature; returns `err`. */
export function refusedSubject(err: unknown, claims: { readonly sub?: unknown } | undefined): unknown {
  const sub = claims?.sub;
  if (typeof sub === 'string' && isAuthError(err) && !SUBJECT.has(err)) SUBJECT.set(err, sub);
  return err;
}

/** The subject `refusedSubject` noted for `err`. */
export const subjectOfRefusal = (err: AuthError): string | undefined => SUBJECT.get(err);

/** True for an AuthError from any copy of jwt-gate (CJS and ESM may both be loaded). */
export function isAuthError(value: unknown): value is AuthError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

function challengeHeaders(code: AuthErrorCode, realm: string): { readonly 'WWW-Authenticate'?: string } {
  const row: CodeRow = TABLE[code];
  // An outage or a refused cross-site request is not a question of credentials: no challenge.
  if (row.status === 503 || (row.status === 403 && row.error === undefined)) return {};
  const challenge =
    row.error === undefined
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="${row.error}", error_description="${row.description}"`;
  return { 'WWW-Authenticate': challenge };
}

/** Returns `err` named for `realm` (an AuthError is rebuilt when its realm differs). */
export function withRealm(err: unknown, realm: string): unknown {
  if (!isAuthError(err) || realm === DEFAULT_REALM) return err;
  const rebuilt = new AuthError(err.code, {
    realm,
    cause: err.cause,
    ...(err.claim ? { claim: err.claim } : {}),
  });
  if (err.stack !== undefined) rebuilt.stack = err.stack;
  return refusedSubject(rebuilt, { sub: SUBJECT.get(err) });
}

/** Rejects a realm that would break the quoted-string of `WWW-Authenticate` (RFC 7235 §2.1). */
export function assertRealm(realm: unknown): asserts realm is string {
  if (typeof realm !== 'string' || !/^[\x20-\x7e]*$/.test(realm) || /["\\]/.test(realm)) {
    throw new TypeError('jwt-gate: "realm" must be printable ASCII without quotes or backslashes');
  }
}

/** The JSON body of a refusal: the RFC 6750 `error`, its fixed description, and jwt-gate's `code`. */
export interface HttpErrorBody {
  readonly error: BearerError | 'unauthorized' | 'forbidden' | 'temporarily_unavailable';
  readonly error_description: string;
  readonly code: AuthErrorCode;
}

/** A refusal ready to write: status, headers (the `WWW-Authenticate` challenge) and JSON body. */
export interface HttpError {
  readonly status: AuthErrorStatus;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HttpErrorBody;
}

/** The status, headers and JSON body an adapter writes for an AuthError. */
export function toHttpError(err: AuthError, realm: string = DEFAULT_REALM): HttpError {
  const row: CodeRow = TABLE[err.code];
  const error =
    row.error ??
    (row.status === 503 ? 'temporarily_unavailable' : row.status === 403 ? 'forbidden' : 'unauthorized');
  return {
    status: row.status,
    headers: challengeHeaders(err.code, realm),
    body: { error, error_description: row.description, code: err.code },
  };
}

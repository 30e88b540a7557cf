import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AuthError, errorDescriptions, isAuthError, toHttpError, type AuthErrorCode } from '../src/index.js';

const codes = Object.keys(errorDescriptions) as AuthErrorCode[];

describe('AuthError', () => {
  it('covers every code of the contract', () => {
    expect(codes.sort()).toEqual(
      [
        'ERR_ALG_NOT_ALLOWED',
        'ERR_BAD_REQUEST',
        'ERR_CLAIM_INVALID',
        'ERR_DUPLICATE_COOKIE',
        'ERR_FORBIDDEN',
        'ERR_KEYS_UNAVAILABLE',
        'ERR_KEY_NOT_FOUND',
        'ERR_SIGNATURE_INVALID',
        'ERR_STORE_UNAVAILABLE',
        'ERR_CSRF',
        'ERR_TOKEN_EXPIRED',
        'ERR_TOKEN_MALFORMED',
        'ERR_TOKEN_MISSING',
        'ERR_TOKEN_NOT_YET_VALID',
        'ERR_TOKEN_REVOKED',
        'ERR_USER_NOT_FOUND',
      ].sort(),
    );
  });

  it.each([
    ['ERR_TOKEN_MISSING', 401, undefined, 'Bearer realm="api"'],
    [
      'ERR_TOKEN_EXPIRED',
      401,
      'invalid_token',
      'Bearer realm="api", error="invalid_token", error_description="token expired"',
    ],
    [
      'ERR_BAD_REQUEST',
      400,
      'invalid_request',
      'Bearer realm="api", error="invalid_request", error_description="malformed authorization header"',
    ],
    [
      'ERR_DUPLICATE_COOKIE',
      400,
      'invalid_request',
      'Bearer realm="api", error="invalid_request", error_description="authentication cookie sent more than once"',
    ],
    [
      'ERR_FORBIDDEN',
      403,
      'insufficient_scope',
      'Bearer realm="api", error="insufficient_scope", error_description="insufficient permissions"',
    ],
    ['ERR_KEYS_UNAVAILABLE', 503, undefined, undefined],
    ['ERR_STORE_UNAVAILABLE', 503, undefined, undefined],
    ['ERR_CSRF', 403, undefined, undefined],
    [
      'ERR_USER_NOT_FOUND',
      401,
      'invalid_token',
      'Bearer realm="api", error="invalid_token", error_description="token user not found"',
    ],
  ] as const)('%s: status %i, error %s, challenge %s', (code, status, error, challenge) => {
    const err = new AuthError(code);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'AuthError',
      code,
      status,
      statusCode: status,
      error,
      expose: true,
      message: errorDescriptions[code],
    });
    expect(err.headers['WWW-Authenticate']).toBe(challenge);
  });

  it('every code maps to an HTTP error with a fixed, quote-free description', () => {
    for (const code of codes) {
      const { status, headers, body } = toHttpError(new AuthError(code), 'shop');
      expect([400, 401, 403, 503]).toContain(status);
      expect(body.code).toBe(code);
      expect(body.error_description).toMatch(/^[a-z -]+$/);
      if (status === 503 || code === 'ERR_CSRF') expect(headers).toEqual({});
      else expect(headers['WWW-Authenticate']).toMatch(/^Bearer realm="shop"/);
    }
  });

  it('the body names the RFC 6750 error, unauthorized for a missing token, temporarily_unavailable for 503', () => {
    expect(toHttpError(new AuthError('ERR_TOKEN_MISSING')).body).toEqual({
      error: 'unauthorized',
      error_description: 'authentication required',
      code: 'ERR_TOKEN_MISSING',
    });
    expect(toHttpError(new AuthError('ERR_TOKEN_EXPIRED')).body).toEqual({
      error: 'invalid_token',
      error_description: 'token expired',
      code: 'ERR_TOKEN_EXPIRED',
    });
    expect(toHttpError(new AuthError('ERR_KEYS_UNAVAILABLE')).body.error).toBe('temporarily_unavailable');
    expect(toHttpError(new AuthError('ERR_CSRF')).body).toEqual({
      error: 'forbidden',
      error_description: 'cross-site request refused',
      code: 'ERR_CSRF',
    });
  });

  it('isAuthError recognises the brand, not the class identity', () => {
    expect(isAuthError(new AuthError('ERR_TOKEN_EXPIRED'))).toBe(true);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('jwt-gate.AuthError')]: true });
    expect(isAuthError(foreign)).toBe(true);
    expect(isAuthError(Object.assign(new Error('x'), { code: 'ERR_TOKEN_EXPIRED' }))).toBe(false);
    expect(isAuthError(null)).toBe(false);
    expect(isAuthError('ERR_TOKEN_EXPIRED')).toBe(false);
  });

  it('the brand is not enumerable, so it never reaches a JSON body', () => {
    expect(JSON.stringify(new AuthError('ERR_TOKEN_MISSING'))).not.toContain('jwt-gate');
  });
});

describe('docs/errors.md error table', () => {
  const page = readFileSync(createRequire(import.meta.url).resolve('../docs/errors.md'), 'utf8');
  const rows = new Map(
    [...page.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d{3}) \| (`[a-z_]+`|—) \| ([^|]+) \|/gm)].map((m) => [
      m[1],
      { status: Number(m[2]), error: m[3], description: m[4]!.trim() },
    ]),
  );

  it('has one row per code, in step with src/errors.ts', () => {
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const err = new AuthError(code);
      expect(rows.get(code), code).toEqual({
        status: err.status,
        error: err.error ? `\`${err.error}\`` : '—',
        description: errorDescriptions[code],
      });
    }
  });
});

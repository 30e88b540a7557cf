// errors: 'express-jwt' and 'koa-jwt': each AuthError code as those libraries would have reported it, the
// AuthError kept as the cause; an error they have no equal for (CSRF, an outage) forwarded as it is.
import { describe, expect, it } from 'vitest';
import { createGuard } from '../../src/adapter-kit/index.js';
import { AuthError, UnauthorizedError, createAuth, hs256, type AuthErrorCode } from '../../src/index.js';
import { SECRET } from '../helpers.js';

const style = (code: AuthErrorCode, as: 'express-jwt' | 'koa-jwt', options: { claim?: string } = {}) =>
  new UnauthorizedError(new AuthError(code, options), as, undefined);

describe('UnauthorizedError', () => {
  it.each([
    ['ERR_TOKEN_EXPIRED', {}, 'invalid_token', 'TokenExpiredError', 'jwt expired'],
    ['ERR_TOKEN_NOT_YET_VALID', {}, 'invalid_token', 'NotBeforeError', 'jwt not active'],
    ['ERR_TOKEN_MALFORMED', {}, 'invalid_token', 'JsonWebTokenError', 'jwt malformed'],
    ['ERR_SIGNATURE_INVALID', {}, 'invalid_token', 'JsonWebTokenError', 'invalid signature'],
    ['ERR_ALG_NOT_ALLOWED', {}, 'invalid_token', 'JsonWebTokenError', 'invalid algorithm'],
    ['ERR_KEY_NOT_FOUND', {}, 'invalid_token', 'JsonWebTokenError', 'invalid token'],
    ['ERR_CLAIM_INVALID', { claim: 'aud' }, 'invalid_token', 'JsonWebTokenError', 'jwt audience invalid'],
    ['ERR_CLAIM_INVALID', { claim: 'iss' }, 'invalid_token', 'JsonWebTokenError', 'jwt issuer invalid'],
    ['ERR_CLAIM_INVALID', { claim: 'constructor' }, 'invalid_token', 'JsonWebTokenError', 'invalid token'],
    ['ERR_USER_NOT_FOUND', {}, 'invalid_token', 'Error', 'token user not found'],
  ] as const)('%s %j: code %s, inner %s "%s"', (code, options, peerCode, name, message) => {
    const express = style(code, 'express-jwt', options);
    expect({ ...express, name: express.name, message: express.message }).toMatchObject({
      name: 'UnauthorizedError',
      code: peerCode,
      status: 401,
      statusCode: 401,
      expose: true,
      message,
      inner: { name, message },
      originalError: { name, message },
    });
    expect(express.cause).toMatchObject({ code, status: 401 });
    expect(express.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    const koa = style(code, 'koa-jwt', options);
    expect([koa.name, koa.message, koa.code, koa.status]).toEqual([
      'UnauthorizedError',
      'Authentication Error',
      peerCode,
      401,
    ]);
  });

  it('a revoked token, a missing one, a malformed header, a forbidden role', () => {
    expect(style('ERR_TOKEN_REVOKED', 'express-jwt')).toMatchObject({
      code: 'revoked_token',
      message: 'The token has been revoked.',
      inner: { message: 'The token has been revoked.' },
      originalError: { message: 'Token revoked' },
    });
    expect(style('ERR_TOKEN_MISSING', 'express-jwt')).toMatchObject({
      code: 'credentials_required',
      message: 'No authorization token was found',
      originalError: undefined,
    });
    expect(style('ERR_BAD_REQUEST', 'express-jwt')).toMatchObject({
      code: 'credentials_bad_format',
      status: 400,
    });
    const forbidden = style('ERR_FORBIDDEN', 'express-jwt');
    expect([forbidden.name, forbidden.code, forbidden.status, forbidden.message]).toEqual([
      'UnauthorizedError',
      'permission_denied',
      403,
      'Permission denied',
    ]);
    const koaForbidden = style('ERR_FORBIDDEN', 'koa-jwt');
    expect([koaForbidden.name, koaForbidden.message, koaForbidden.status]).toEqual([
      'ForbiddenError',
      'Forbidden',
      403,
    ]);
  });

  it.each(['ERR_CSRF', 'ERR_DUPLICATE_COOKIE', 'ERR_KEYS_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE'] as const)(
    '%s is forwarded as the AuthError itself: no peer handler answers an outage 401',
    async (code) => {
      const auth = createAuth({
        key: hs256(SECRET),
        isRevoked: () => {
          throw new AuthError(code);
        },
      });
      const guard = createGuard(auth, { errors: 'express-jwt' }, 'required');
      const decision = await guard({
        headers: { authorization: `Bearer ${await auth.issue({ sub: 'u' })}` },
      });
      expect(decision).toMatchObject({ kind: 'forward', error: { name: 'AuthError', code } });
    },
  );
});

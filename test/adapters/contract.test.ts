// One contract, five hosts: Express 4 and 5, Koa 2 and 3, Fastify 5 must answer every case the same way.
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { AuthError, createAuth, hs256, keySet, rs256, type KeyProvider } from '../../src/index.js';
import { NOW, SECRET, asSigned } from '../helpers.js';
import {
  claimsWith,
  hostileHsCases,
  hsOptions,
  rsaPrivatePem,
  signHs,
  validHsToken,
} from '../hostile-tokens.js';
import { variants } from './apps.js';

const CHALLENGE = 'Bearer realm="api"';
const invalidToken = (description: string): string =>
  `${CHALLENGE}, error="invalid_token", error_description="${description}"`;
const tokenFor = (claims: Record<string, unknown>): string => signHs(claimsWith(claims));
const expired = tokenFor({ exp: NOW - 1 });

describe.each(variants)('$name', ({ build, framework }) => {
  const app = build(createAuth(hsOptions));

  describe('requireAuth', () => {
    it('401 with a bare challenge when there is no token (RFC 6750 §3.1)', async () => {
      const res = await request(app).get('/required');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expect(res.body).toEqual({
        error: 'unauthorized',
        error_description: 'authentication required',
        code: 'ERR_TOKEN_MISSING',
      });
    });

    it.each(['Bearer', 'bearer', 'BEARER'])('accepts the %s scheme and sets the user', async (scheme) => {
      const res = await request(app).get('/required').set('Authorization', `${scheme} ${validHsToken}`);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ sub: 'user-1' });
      expect(res.body.claims).toMatchObject({ sub: 'user-1' });
    });

    it('accepts the session cookie', async () => {
      const res = await request(app).get('/required').set('Cookie', `jwt=${validHsToken}`);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ sub: 'user-1' });
    });

    it('Basic credentials are not a session', async () => {
      const res = await request(app).get('/required').set('Authorization', 'Basic dXNlcjpwYXNz');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_TOKEN_MISSING');
    });

    it.each([
      ['empty', 'Bearer '],
      ['two parts', `Bearer ${validHsToken} extra`],
    ])('400 invalid_request for %s Bearer credentials', async (_name, value) => {
      const res = await request(app).get('/required').set('Authorization', value);
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toBe(
        `${CHALLENGE}, error="invalid_request", error_description="malformed authorization header"`,
      );
      expect(res.body.code).toBe('ERR_BAD_REQUEST');
    });

    describe.each(['header', 'cookie'] as const)('every hostile token via the %s', (via) => {
      it.each(
        hostileHsCases()
          .filter((c) => c.token !== '')
          .map((c) => [c.name, c] as const),
      )('%s', async (_name, { token, code }) => {
        const call = request(app).get('/required');
        const res = await (via === 'header'
          ? call.set('Authorization', `Bearer ${token}`)
          : call.set('Cookie', `jwt=${token}`));
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String), code });
        expect(res.headers['www-authenticate']).toBe(invalidToken(res.body.error_description));
        expect(res.text).not.toContain(token);
        for (const segment of token.split('.').filter((s) => s.length > 8))
          expect(res.text).not.toContain(segment);
      });
    });
  });

  describe('roles, scopes and checks', () => {
    const admin = tokenFor({ role: 'admin' });
    const listed = tokenFor({ roles: ['viewer', 'admin'] });
    const member = tokenFor({ role: 'member' });

    it.each([
      ['role admin', '/admin', admin, 200],
      ['roles list containing admin', '/admin', listed, 200],
      ['role member', '/admin', member, 403],
      ['role Admin (exact match only)', '/admin', tokenFor({ role: 'Admin' }), 403],
      [
        'role hidden in __proto__',
        '/admin',
        signHs(`${JSON.stringify(claimsWith({})).slice(0, -1)},"__proto__":{"role":"admin"}}`),
        403,
      ],
      ['both scopes', '/scoped', tokenFor({ scope: 'read write admin' }), 200],
      ['scp array', '/scoped', tokenFor({ scp: ['write', 'read'] }), 200],
      ['one scope of two', '/scoped', tokenFor({ scope: 'read' }), 403],
      ['no scope', '/scoped', validHsToken, 403],
      ['check passing', '/checked', validHsToken, 200],
      ['check failing', '/checked', tokenFor({ sub: 'user-2' }), 403],
    ] as const)('%s: %s answers %i', async (_name, path, token, status) => {
      const res = await request(app).get(path).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(status);
      if (status === 403) {
        expect(res.headers['www-authenticate']).toBe(
          `${CHALLENGE}, error="insufficient_scope", error_description="insufficient permissions"`,
        );
        expect(res.body).toEqual({
          error: 'insufficient_scope',
          error_description: 'insufficient permissions',
          code: 'ERR_FORBIDDEN',
        });
      }
    });

    it('a bad token on a role-guarded route is still a 401', async () => {
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${expired}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_TOKEN_EXPIRED');
    });
  });

  describe('optionalAuth', () => {
    it('no token: anonymous', async () => {
      const res = await request(app).get('/optional');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: null, claims: null, authError: null });
    });

    it('a valid token: the user', async () => {
      const res = await request(app).get('/optional').set('Cookie', `jwt=${validHsToken}`);
      expect(res.body.user).toMatchObject({ sub: 'user-1' });
    });

    it('an expired cookie: anonymous, with the reason kept', async () => {
      const res = await request(app).get('/optional').set('Cookie', `jwt=${expired}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: null, claims: null, authError: 'ERR_TOKEN_EXPIRED' });
    });

    it('a malformed header: anonymous, with the reason kept', async () => {
      const res = await request(app).get('/optional').set('Authorization', 'Bearer a b');
      expect(res.body.authError).toBe('ERR_BAD_REQUEST');
    });
  });

  describe('failures that are not a bad token', () => {
    const outage: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => Promise.reject(new AuthError('ERR_KEYS_UNAVAILABLE')),
    };
    const broken: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => Promise.reject(new Error('provider bug')),
    };

    it.each(['/required', '/optional'])('a key outage is a 503 on %s, never anonymous', async (path) => {
      const res = await request(build(createAuth({ ...hsOptions, key: outage })))
        .get(path)
        .set('Authorization', `Bearer ${validHsToken}`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'verification keys unavailable',
        code: 'ERR_KEYS_UNAVAILABLE',
      });
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it.each(['/required', '/optional'])('a provider bug is a 500 on %s, never a 401', async (path) => {
      const res = await request(build(createAuth({ ...hsOptions, key: broken })))
        .get(path)
        .set('Authorization', `Bearer ${validHsToken}`);
      expect(res.status).toBe(500);
    });

    it('a failing revocation store is a 500 on optionalAuth, never anonymous', async () => {
      const res = await request(
        build(createAuth({ ...hsOptions, isRevoked: () => Promise.reject(new Error('store down')) })),
      )
        .get('/optional')
        .set('Cookie', `jwt=${validHsToken}`);
      expect(res.status).toBe(500);
    });

    it('an error thrown downstream stays the app’s 500, not a 401', async () => {
      const res = await request(app).get('/boom').set('Authorization', `Bearer ${validHsToken}`);
      expect(res.status).toBe(500);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe("errors: 'forward' through the framework's default handler", () => {
    it('renders the same status and challenge for a missing token', async () => {
      const res = await request(app).get('/forward');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    });

    it('renders the same status and challenge for an expired token, without echoing it', async () => {
      const res = await request(app).get('/forward').set('Authorization', `Bearer ${expired}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('token expired'));
      expect(res.text).not.toContain(expired.split('.')[1]);
      if (framework === 'koa') expect(res.text).toBe('token expired');
      if (framework === 'fastify')
        expect(res.body).toEqual({
          statusCode: 401,
          code: 'ERR_TOKEN_EXPIRED',
          error: 'Unauthorized',
          message: 'token expired',
        });
    });
  });

  describe('signIn and signOut', () => {
    const sessionCookie = (res: request.Response): string => {
      const cookies = res.headers['set-cookie'] as unknown as string[];
      expect(cookies).toHaveLength(1);
      return cookies[0]!;
    };

    it('sets an HttpOnly, SameSite=Lax session cookie living as long as the token; not Secure on plain HTTP', async () => {
      const res = await request(app).post('/login');
      expect(res.status).toBe(204);
      const cookie = sessionCookie(res);
      expect(asSigned(cookie, 3600)).toMatch(
        /^jwt=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      const token = /^jwt=([^;]+)/.exec(cookie)![1]!;
      const me = await request(app).get('/required').set('Cookie', `jwt=${token}`);
      expect(me.body.user).toMatchObject({ sub: 'user-1', role: 'member' });
    });

    it('marks the cookie Secure behind an HTTPS proxy the app trusts, and not when it does not trust it', async () => {
      const trusted = await request(build(createAuth(hsOptions), true))
        .post('/login')
        .set('X-Forwarded-Proto', 'https');
      expect(sessionCookie(trusted)).toContain('; Secure');
      const untrusted = await request(app).post('/login').set('X-Forwarded-Proto', 'https');
      expect(sessionCookie(untrusted)).not.toContain('Secure');
    });

    it('marks the cookie Secure in production even on plain HTTP', async () => {
      vi.stubEnv('NODE_ENV', 'production');
      try {
        const res = await request(build(createAuth(hsOptions))).post('/login');
        expect(sessionCookie(res)).toContain('; Secure');
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('clears the cookie on sign-out with the same name and path', async () => {
      const res = await request(app).post('/auth/logout');
      expect(res.status).toBe(204);
      expect(sessionCookie(res)).toBe(
        'jwt=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
      );
    });
  });

  it('jwksHandler publishes the public keys as JSON, cacheable for maxAge, and never a secret', async () => {
    const rsa = build(
      createAuth({
        key: keySet([rs256({ privateKey: rsaPrivatePem, kid: 'r1' }), hs256({ secret: SECRET, kid: 'h1' })], {
          active: 'r1',
        }),
      }),
    );
    const res = await request(rsa).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=600');
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'RSA', kid: 'r1', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(res.text).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect((await request(app).get('/.well-known/jwks.json')).body).toEqual({ keys: [] });
  });

  it('requireAuth(options) builds its own Auth: the one-liner drop-in', async () => {
    const oneLiner = build(createAuth(hsOptions));
    const res = await request(oneLiner).get('/required').set('Authorization', `Bearer ${validHsToken}`);
    expect(res.status).toBe(200);
  });
});

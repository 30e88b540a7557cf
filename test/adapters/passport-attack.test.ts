// jwt-gate/passport from outside: hostile tokens and headers through real Express 5 + passport 0.7 apps,
// each a 4xx with a stable code on req.authError, never a 500, never the token echoed.
import { STATUS_CODES, createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { JwtGateStrategy } from '../../adapters/passport.js';
import { createAuth, hs256 } from '../../src/index.js';
import { SECRET, fixedNow, handToken, NOW } from '../helpers.js';
import { appWith } from './passport-apps.js';

interface Seen {
  readonly error?: { name?: string; status?: number; message?: string; code?: string };
  readonly authError: string | null;
  readonly info?: unknown;
}

const auth = createAuth({ key: hs256(SECRET), now: fixedNow });
const strategy = new JwtGateStrategy(auth);
const payload = { sub: 'user-1', iat: NOW, exp: NOW + 600 };

// Tokens an attacker sends: each must be a 4xx with a stable code, never a 500, never echoed.
const hostile: readonly (readonly [string, string])[] = [
  ['alg none', handToken({ alg: 'none', typ: 'JWT' }, payload, { signature: '' })],
  ['alg none, upper case', handToken({ alg: 'NONE' }, payload, { signature: '' })],
  ['alg RS256 signed with the HS secret', handToken({ alg: 'RS256' }, payload, { hmac: SECRET })],
  ['alg HS512 signed with the HS secret', handToken({ alg: 'HS512' }, payload, { hmac: SECRET })],
  ['no alg', handToken({ typ: 'JWT' }, payload, { hmac: SECRET })],
  ['header not JSON', handToken('{"alg":', payload, { hmac: SECRET })],
  ['payload an array', handToken({ alg: 'HS256' }, [1, 2], { hmac: SECRET })],
  ['payload null', handToken({ alg: 'HS256' }, 'null', { hmac: SECRET })],
  ['crit header', handToken({ alg: 'HS256', crit: ['b64'], b64: false }, payload, { hmac: SECRET })],
  ['bad base64', 'e$J.ey!.%%%'],
  ['two dots only', '..'],
  ['four parts', 'a.b.c.d'],
  ['a huge token (12 kB)', `eyJ${'A'.repeat(12_000)}.eyJ.sig`],
  [
    'a __proto__ payload',
    handToken({ alg: 'HS256' }, '{"__proto__":{"admin":true},"sub":"x"}', { signature: 'AA' }),
  ],
];

describe('jwt-gate/passport: hostile tokens through passport', () => {
  it.each(hostile)('%s: a 4xx with a stable code, the token never echoed', async (_name, token) => {
    const res = await request(appWith(strategy, { failWithError: true }))
      .get('/me')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = res.body as Seen;
    expect(body.authError).toMatch(/^ERR_[A-Z_]+$/);
    expect(body.error).toEqual({
      name: 'AuthenticationError',
      status: res.status,
      message: STATUS_CODES[res.status],
    });
    const everything = JSON.stringify({ headers: res.headers, text: res.text });
    expect(everything).not.toContain(token.slice(0, 40));
  });

  it.each(hostile)('%s: the custom callback info and req.authError carry no token', async (_name, token) => {
    const authenticator = new passport.Passport();
    authenticator.use(strategy);
    const app = express();
    app.get('/cb', (req, res, next) => {
      (
        authenticator.authenticate(
          'jwt-gate',
          { session: false },
          (err: unknown, user: unknown, info: unknown) => {
            const error = req.authError;
            res.json({
              err: err ?? null,
              user,
              info,
              error: error ? { ...error, message: error.message, stack: error.stack ?? '' } : null,
            });
          },
        ) as RequestHandler
      )(req, res, next);
    });
    const res = await request(app).get('/cb').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      err: null,
      user: false,
      error: { code: expect.stringMatching(/^ERR_/) },
    });
    expect(res.text).not.toContain(token.slice(0, 40));
  });

  it('the scheme in any case: BEARER, bearer, bEaReR', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    for (const scheme of ['BEARER', 'bearer', 'bEaReR']) {
      const res = await request(appWith(strategy)).get('/me').set('Authorization', `${scheme} ${token}`);
      expect(res.status).toBe(200);
    }
  });

  it('the session cookie sent twice: 400 ERR_DUPLICATE_COOKIE, through failWithError', async () => {
    const token = await auth.issue({ sub: 'user-1' });
    const res = await request(appWith(strategy, { failWithError: true }))
      .get('/me')
      .set('Cookie', `jwt=${token}; jwt=${token}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ authError: 'ERR_DUPLICATE_COOKIE' });
    expect(res.text).not.toContain(token);
  });

  it('two Authorization headers on the wire: refused, never the second one accepted', async () => {
    const good = await auth.issue({ sub: 'user-1' });
    const server = createServer(appWith(strategy, { failWithError: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end(
            `GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-jwt\r\nAuthorization: Bearer ${good}\r\nConnection: close\r\n\r\n`,
          );
        });
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(raw).not.toContain(good);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

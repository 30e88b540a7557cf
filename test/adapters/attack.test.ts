// The HTTP layer seen by an outside attacker: only requests, through supertest or raw sockets to a
// server on 127.0.0.1. Every attack runs against Express 5, Express 4, Koa 3, Koa 2 and Fastify 5; the example
// apps get the attacks that concern them. Each test states the right behaviour.
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import Fastify from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import { createApp as createExpressExample } from '../../examples/express-app.js';
import { createApp as createKoaExample } from '../../examples/koa-app.js';
import { createApp as createFastifyExample } from '../../examples/fastify-app.js';
import { listenerOf } from '../support/fastify.js';
import {
  createAuth,
  errorDescriptions,
  type Auth,
  type AuthErrorCode,
  type Claims,
  type GuardOptions,
} from '../../src/index.js';
import { NOW, SECRET, b64, handToken } from '../helpers.js';
import { MARKER, claimsWith, hsOptions, signHs, validHsToken } from '../hostile-tokens.js';
import { variants, type Handler } from './apps.js';

const T = validHsToken; // sub user-1
const tokenFor = (changes: Record<string, unknown>): string => signHs(claimsWith(changes));
const other = tokenFor({ sub: 'user-2' });
const expired = tokenFor({ exp: NOW - 1 });
const admin = tokenFor({ role: 'admin' });
const member = tokenFor({ role: 'member' });
/** `payload` (raw JSON text) signed with the right secret. */
const signedJson = (json: string): string => signHs(json);
const withClaimsJson = (extra: string): string =>
  signedJson(`${JSON.stringify(claimsWith({})).slice(0, -1)},${extra}}`);

// ---------------------------------------------------------------------------------------------
// What every refusal must look like: exact status, challenge and body; nothing of the token echoed.

const CHALLENGE = 'Bearer realm="api"';
const ERROR_OF: Partial<Record<AuthErrorCode, string>> = {
  ERR_BAD_REQUEST: 'invalid_request',
  ERR_FORBIDDEN: 'insufficient_scope',
};

function expectRefusal(
  res: request.Response,
  status: number,
  code: AuthErrorCode,
  ...secrets: string[]
): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  const description = errorDescriptions[code];
  if (code === 'ERR_TOKEN_MISSING') {
    expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    expect(res.body).toEqual({ error: 'unauthorized', error_description: description, code });
  } else {
    const error = ERROR_OF[code] ?? 'invalid_token';
    expect(res.headers['www-authenticate']).toBe(
      `${CHALLENGE}, error="${error}", error_description="${description}"`,
    );
    expect(res.body).toEqual({ error, error_description: description, code });
  }
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['set-cookie']).toBeUndefined();
  expectNoEcho(res, ...secrets);
}

/** Neither the body nor any header repeats a token (or a long segment of one), the secret or the payload marker. */
function expectNoEcho(res: request.Response, ...secrets: string[]): void {
  const everything = `${JSON.stringify(res.headers)}\n${res.text ?? ''}`;
  for (const secret of [SECRET, MARKER, ...secrets]) {
    if (secret.length < 8) continue;
    expect(everything).not.toContain(secret);
    for (const part of secret.split(/[.%]/).filter((s) => s.length > 8))
      expect(everything).not.toContain(part);
  }
}

const sub = (res: request.Response): unknown => (res.body.user as Claims | null)?.sub ?? null;

// ---------------------------------------------------------------------------------------------
// Raw HTTP: a server on 127.0.0.1, bytes written as given, the answer parsed by hand.

interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

async function listen(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler as RequestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Writes `chunks` (pausing between them), waits for the server to close the connection, returns all it sent. */
function exchange(port: number, chunks: readonly (string | Buffer)[], pauseMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server neither answered nor closed within 3 s'));
    }, 3000);
    socket.on('data', (data) => received.push(data));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received).toString('latin1'));
    });
    socket.on('connect', async () => {
      // Never half-close: Node drops the answer of a request whose client has sent FIN.
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        socket.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      }
    });
  });
}

/** Splits what a server sent into responses (Content-Length framed; `head` responses carry no body). */
function parseResponses(text: string, head = false): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = head
      ? 0
      : headers['content-length'] === undefined
        ? rest.length
        : Number(headers['content-length']);
    const body = rest.slice(end + 4, end + 4 + length);
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

const get = (path: string, headers: readonly string[], keepAlive = false): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`;

async function rawOne(port: number, text: string): Promise<RawResponse> {
  const responses = parseResponses(await exchange(port, [text]));
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

// ---------------------------------------------------------------------------------------------

describe.each(variants)('$name', ({ build }) => {
  const app = build(createAuth(hsOptions));

  describe('Authorization header shapes', () => {
    it.each([
      ['only spaces', 401, 'ERR_TOKEN_MISSING', '   '],
      ['only tabs and spaces', 401, 'ERR_TOKEN_MISSING', '\t \t'],
      ['the scheme alone', 400, 'ERR_BAD_REQUEST', 'Bearer'],
      ['the scheme and whitespace', 400, 'ERR_BAD_REQUEST', 'Bearer \t '],
      ['a trailing comma', 400, 'ERR_BAD_REQUEST', `Bearer ${T},`],
      ['a leading comma', 400, 'ERR_BAD_REQUEST', `Bearer ,${T}`],
      ['two Bearer challenges in one header', 400, 'ERR_BAD_REQUEST', `Bearer ${T}, Bearer ${other}`],
      ['the token twice', 400, 'ERR_BAD_REQUEST', `Bearer ${T} ${T}`],
      ['no space after the scheme', 401, 'ERR_TOKEN_MISSING', `Bearer${T}`],
      ['another scheme', 401, 'ERR_TOKEN_MISSING', `Token ${T}`],
      ['a quoted token', 401, 'ERR_TOKEN_MALFORMED', `Bearer "${T}"`],
      [
        'a percent-encoded token (headers are not decoded)',
        401,
        'ERR_TOKEN_MALFORMED',
        `Bearer ${T.replace(/\./g, '%2E')}`,
      ],
      ['a padded token', 401, 'ERR_TOKEN_MALFORMED', `Bearer ${T}=`],
      ['a base64 of the token', 401, 'ERR_TOKEN_MALFORMED', `Bearer ${b64(T)}`],
      [
        '15 KB of token (under Node’s header limit)',
        401,
        'ERR_TOKEN_MALFORMED',
        `Bearer ${'a'.repeat(15_000)}`,
      ],
    ] as const)('%s: %i %s', async (_name, status, code, value) => {
      const res = await request(app).get('/required').set('Authorization', value);
      expectRefusal(res, status, code, T, other);
    });

    it.each([
      ['two spaces', `Bearer  ${T}`],
      ['a tab', `Bearer\t${T}`],
      ['mixed case scheme', `bEaReR ${T}`],
      ['trailing whitespace', `Bearer ${T}\t `],
    ])('%s before or after the token is tolerated', async (_name, value) => {
      const res = await request(app).get('/required').set('Authorization', value);
      expect(res.status).toBe(200);
      expect(sub(res)).toBe('user-1');
    });
  });

  describe('the session cookie', () => {
    const percentAll = [...T].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    it.each([
      ['percent-encoded dots are decoded', `jwt=${T.replace(/\./g, '%2E')}`, 'user-1'],
      ['a fully percent-encoded token is decoded', `jwt=${percentAll}`, 'user-1'],
      ['spaces around name and value are trimmed', ` jwt = ${T} `, 'user-1'],
      [
        'among a hundred other cookies',
        `${Array.from({ length: 100 }, (_, i) => `c${i}=v${i}`).join('; ')}; jwt=${T}`,
        'user-1',
      ],
    ])('%s', async (_name, cookie, expected) => {
      const res = await request(app).get('/required').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(sub(res)).toBe(expected);
    });

    it.each([
      ['the name in upper case', `JWT=${T}`, 'ERR_TOKEN_MISSING'],
      ['a name that only ends in jwt', `xjwt=${T}`, 'ERR_TOKEN_MISSING'],
      ['a __proto__ cookie', `__proto__=${T}`, 'ERR_TOKEN_MISSING'],
      ['a quoted value (quotes are kept)', `jwt="${T}"`, 'ERR_TOKEN_MALFORMED'],
      ['an encoded CR LF and a Set-Cookie', `jwt=${T}%0d%0aSet-Cookie:%20evil=1`, 'ERR_TOKEN_MALFORMED'],
      ['only an encoded CR LF', 'jwt=%0d%0a', 'ERR_TOKEN_MALFORMED'],
      ['a broken percent escape', 'jwt=%E0%A4%A', 'ERR_TOKEN_MALFORMED'],
      ['an encoded lone surrogate', 'jwt=%ED%A0%80', 'ERR_TOKEN_MALFORMED'],
      ['9000 bytes', `jwt=${'a'.repeat(9000)}`, 'ERR_TOKEN_MALFORMED'],
    ] as const)('%s: refused', async (_name, cookie, code) => {
      const res = await request(app).get('/required').set('Cookie', cookie);
      expectRefusal(res, 401, code, T);
      expect(JSON.stringify(res.headers)).not.toContain('evil');
    });

    // A sibling subdomain that can set `Domain=` cookies with a longer Path gets its cookie sent first
    // (cookie tossing): a name sent twice is refused, never settled by taking one of them.
    it.each([
      ['valid, then another user', `jwt=${T}; jwt=${other}`],
      ['another user, then valid', `jwt=${other}; jwt=${T}`],
      ['an empty one, then valid', `jwt=; jwt=${T}`],
      ['valid, then garbage', `jwt=${T}; jwt=x`],
      ['the same token twice', `jwt=${T}; jwt=${T}`],
      ['a spaced name', `jwt=${other}; jwt =${T}`],
      ['a percent-encoded copy', `jwt=${T}; a=1; jwt=${T.replace(/\./g, '%2E')}`],
    ])('two jwt cookies (%s): 400 ERR_DUPLICATE_COOKIE', async (_name, cookie) => {
      const res = await request(app).get('/required').set('Cookie', cookie);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'authentication cookie sent more than once',
        code: 'ERR_DUPLICATE_COOKIE',
      });
      expect(res.text).not.toContain(T);
    });
  });

  describe('where the token may come from', () => {
    it('a Bearer header and a cookie of different users: the header decides', async () => {
      const res = await request(app)
        .get('/required')
        .set('Authorization', `Bearer ${other}`)
        .set('Cookie', `jwt=${T}`);
      expect(sub(res)).toBe('user-2');
    });

    it('a bad Bearer header is not rescued by a valid cookie', async () => {
      expectRefusal(
        await request(app)
          .get('/required')
          .set('Authorization', `Bearer ${expired}`)
          .set('Cookie', `jwt=${T}`),
        401,
        'ERR_TOKEN_EXPIRED',
        expired,
        T,
      );
      expectRefusal(
        await request(app).get('/required').set('Authorization', 'Bearer').set('Cookie', `jwt=${T}`),
        400,
        'ERR_BAD_REQUEST',
        T,
      );
    });

    it('another scheme in the header falls through to the cookie', async () => {
      const res = await request(app)
        .get('/required')
        .set('Authorization', 'Basic dXNlcjpwYXNz')
        .set('Cookie', `jwt=${T}`);
      expect(sub(res)).toBe('user-1');
    });

    it('optionalAuth: a bad header with a valid cookie is anonymous, not the cookie’s user', async () => {
      const res = await request(app)
        .get('/optional')
        .set('Authorization', 'Bearer x.y.z')
        .set('Cookie', `jwt=${T}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: null, claims: null, authError: 'ERR_TOKEN_MALFORMED' });
    });

    it.each([
      ['an access_token query parameter (RFC 6750 §2.3 is not supported)', `/required?access_token=${T}`, []],
      ['Proxy-Authorization', '/required', [['Proxy-Authorization', `Bearer ${T}`]]],
      ['X-Access-Token', '/required', [['X-Access-Token', T]]],
      ['a cookie named token', '/required', [['Cookie', `token=${T}`]]],
    ] as const)('%s is not a credential', async (_name, path, headers) => {
      let call = request(app).get(path);
      for (const [name, value] of headers) call = call.set(name, value);
      expectRefusal(await call, 401, 'ERR_TOKEN_MISSING', T);
    });
  });

  describe('forged, altered, expired and wrong-role tokens at /admin', () => {
    const [h, p, s] = member.split('.') as [string, string, string];
    const promoted = b64(claimsWith({ role: 'admin' }));
    it.each([
      [
        'member payload promoted to admin under the member signature',
        'ERR_SIGNATURE_INVALID',
        `${h}.${promoted}.${s}`,
      ],
      [
        'admin token signed with another secret',
        'ERR_SIGNATURE_INVALID',
        handToken({ alg: 'HS256', typ: 'JWT' }, claimsWith({ role: 'admin' }), { hmac: `${SECRET}!` }),
      ],
      [
        'admin token with the signature stripped',
        'ERR_SIGNATURE_INVALID',
        `${admin.split('.').slice(0, 2).join('.')}.`,
      ],
      [
        'admin token re-labelled alg none',
        'ERR_ALG_NOT_ALLOWED',
        handToken({ alg: 'none' }, claimsWith({ role: 'admin' }), { signature: '' }),
      ],
      ['expired admin token', 'ERR_TOKEN_EXPIRED', tokenFor({ role: 'admin', exp: NOW - 1 })],
      ['admin token not yet valid', 'ERR_TOKEN_NOT_YET_VALID', tokenFor({ role: 'admin', nbf: NOW + 60 })],
      [
        'admin token for another audience',
        'ERR_CLAIM_INVALID',
        tokenFor({ role: 'admin', aud: 'other-api' }),
      ],
      ['admin token with a string exp', 'ERR_CLAIM_INVALID', tokenFor({ role: 'admin', exp: 'never' })],
      [
        'admin token with its payload segment swapped in from a member',
        'ERR_SIGNATURE_INVALID',
        `${admin.split('.')[0]}.${p}.${admin.split('.')[2]}`,
      ],
    ] as const)('%s: 401 %s', async (_name, code, token) => {
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
      expectRefusal(res, 401, code, token);
    });
  });

  describe('role and scope claims of odd shapes (validly signed)', () => {
    it.each([
      // Lenient on purpose or not, worth knowing: `role` may be an array and `roles` a string.
      ['role as an array', 200, tokenFor({ role: ['admin'] })],
      ['roles as a string', 200, tokenFor({ roles: 'admin' })],
      [
        'role array of non-strings around a nested admin',
        403,
        tokenFor({ role: [1, {}, null, true, ['admin']] }),
      ],
      [
        'role object with a toString member',
        403,
        tokenFor({ role: { toString: 'admin', valueOf: 'admin' } }),
      ],
      [
        'roles with near misses',
        403,
        tokenFor({ roles: ['Admin', 'admin ', ' admin', 'admin\u0000', 'аdmin'] }),
      ],
      ['role with a NUL', 403, tokenFor({ role: 'admin\u0000' })],
      ['role comma list', 403, tokenFor({ role: 'member,admin' })],
      ['role space list', 403, tokenFor({ role: 'member admin' })],
      ['role under __proto__', 403, withClaimsJson('"__proto__":{"role":"admin","roles":["admin"]}')],
      [
        'roles under constructor.prototype',
        403,
        withClaimsJson('"constructor":{"prototype":{"role":"admin","roles":["admin"]}}'),
      ],
      ['role under prototype', 403, withClaimsJson('"prototype":{"role":"admin"}')],
    ] as const)('/admin, %s: %i', async (_name, status, token) => {
      const res = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
      if (status === 403) expectRefusal(res, 403, 'ERR_FORBIDDEN', token);
      else expect(res.status).toBe(200);
    });

    it.each([
      ['scope split by tabs', 403, { scope: 'read\twrite' }],
      ['scope split by newlines', 403, { scope: 'read\nwrite' }],
      ['scope split by commas', 403, { scope: 'read,write' }],
      ['scope with runs of spaces', 200, { scope: '  read   write  ' }],
      ['scp as a space-separated string', 200, { scp: 'read write' }],
      ['scope as an array', 200, { scope: ['read', 'write'] }],
      ['scp array whose one entry holds both', 403, { scp: ['read write'] }],
      ['scope half in scope, half in scp', 200, { scope: 'read', scp: ['write'] }],
      ['scope as an object', 403, { scope: { read: true, write: true } }],
    ] as const)('/scoped, %s: %i', async (_name, status, changes) => {
      const token = tokenFor(changes);
      const res = await request(app).get('/scoped').set('Authorization', `Bearer ${token}`);
      if (status === 403) expectRefusal(res, 403, 'ERR_FORBIDDEN', token);
      else expect(res.status).toBe(200);
    });

    it('no prototype was polluted by the tokens above', () => {
      const probe = {} as Record<string, unknown>;
      expect([probe.role, probe.roles, probe.prototype]).toEqual([undefined, undefined, undefined]);
      expect(Object.prototype).not.toHaveProperty('role');
    });
  });

  describe('raw HTTP', () => {
    let server: Server | undefined;
    let port = 0;
    beforeAll(async () => {
      ({ server, port } = await listen(app));
    });
    afterAll(() => close(server));

    // RFC 6750 §3.1: a request that "repeats the same parameter" is invalid_request. Node's `headers` keeps
    // only the first Authorization header; the core reads `headersDistinct` to see them all.
    it.each([
      ['valid, then another user', [T, other]],
      ['another user, then valid', [other, T]],
      ['garbage, then valid', ['x.y.z', T]],
    ])('two Authorization headers (%s): 400 invalid_request', async (_name, tokens) => {
      const res = await rawOne(
        port,
        get(
          '/required',
          tokens.map((t) => `Authorization: Bearer ${t}`),
        ),
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    });

    it('two Cookie headers are joined: a jwt in each is refused, never the first taken', async () => {
      const res = await rawOne(port, get('/required', [`Cookie: jwt=${other}`, `Cookie: jwt=${T}`]));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).code).toBe('ERR_DUPLICATE_COOKIE');
      const one = await rawOne(port, get('/required', ['Cookie: a=1', `Cookie: jwt=${T}`]));
      expect(JSON.parse(one.body).user.sub).toBe('user-1');
    });

    it.each([
      ['spaces and tabs only', 'Authorization: \t \t '],
      ['an empty value', 'Authorization:'],
    ])('Authorization with %s: 401 bare challenge', async (_name, header) => {
      const res = await rawOne(port, get('/required', [header]));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expect(JSON.parse(res.body).code).toBe('ERR_TOKEN_MISSING');
    });

    it('a no-break space (0xA0) is not a separator (RFC 7235 allows space and tab only)', async () => {
      const glued = await rawOne(port, get('/required', [`Authorization: Bearer\xa0${T}`]));
      expect(glued.status).toBe(401);
      expect(JSON.parse(glued.body).code).toBe('ERR_TOKEN_MISSING');
      const trailing = await rawOne(port, get('/required', [`Authorization: Bearer ${T}\xa0`]));
      expect(trailing.status).toBe(400);
      const refused = await rawOne(port, get('/required', [`Authorization: Bearer ${T}\xa0extra`]));
      expect(refused.status).toBe(400);
    });

    it.each([
      ['an obs-fold continuation line', [`Authorization: Bearer`, ` ${T}`]],
      ['a bare CR inside the value', [`Authorization: Bearer ${T}\rX-Injected: 1`]],
      ['a NUL inside the value', [`Authorization: Bearer ${T}\x00`]],
      ['a vertical tab as separator', [`Authorization: Bearer\x0b${T}`]],
    ])('%s: Node answers 400 before the app runs', async (_name, headers) => {
      const res = await rawOne(port, get('/required', headers));
      expect(res.status).toBe(400);
      expect(res.body).toBe('');
    });

    it.each([
      ['Authorization', `Authorization: Bearer ${'a'.repeat(17_000)}`],
      ['Cookie', `Cookie: jwt=${'a'.repeat(17_000)}`],
    ])('a 17 KB %s header: 431 from Node, never a 500', async (_name, header) => {
      const res = await rawOne(port, get('/required', [header]));
      expect(res.status).toBe(431);
    });

    it('an Authorization trailer of a chunked body is not a credential', async () => {
      const text = `GET /required HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTrailer: Authorization\r\nConnection: close\r\n\r\n1\r\nx\r\n0\r\nAuthorization: Bearer ${T}\r\n\r\n`;
      const res = await rawOne(port, text);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).code).toBe('ERR_TOKEN_MISSING');
    });

    it('pipelined requests on one connection each get their own user', async () => {
      const text = [
        get('/optional', [`Authorization: Bearer ${T}`], true),
        get('/optional', [`Cookie: jwt=${other}`], true),
        get('/optional', [], true),
        get('/required', [`Authorization: Bearer ${expired}`], true),
        get('/optional', [`Authorization: Bearer ${T}`]),
      ].join('');
      const responses = parseResponses(await exchange(port, [text]));
      expect(
        responses.map((r) => [
          r.status,
          r.status === 200 ? (JSON.parse(r.body).user?.sub ?? null) : JSON.parse(r.body).code,
        ]),
      ).toEqual([
        [200, 'user-1'],
        [200, 'user-2'],
        [200, null],
        [401, 'ERR_TOKEN_EXPIRED'],
        [200, 'user-1'],
      ]);
    });
  });

  it('many parallel requests with different tokens: each sees only its own user', async () => {
    // A user mapper with random delays makes the requests interleave inside the guard.
    const slow = createAuth({
      ...hsOptions,
      user: async (claims: Claims) => {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 6)));
        return { id: claims.sub };
      },
    });
    const parallel = build(slow);
    const runs = Array.from({ length: 48 }, (_, i) => {
      const token = tokenFor({ sub: `user-${i}` });
      switch (i % 4) {
        case 0:
          return request(parallel)
            .get('/required')
            .set('Authorization', `Bearer ${token}`)
            .then((r) => [r.status, r.body.user?.id ?? null, `user-${i}`]);
        case 1:
          return request(parallel)
            .get('/optional')
            .set('Cookie', `jwt=${token}`)
            .then((r) => [r.status, r.body.user?.id ?? null, `user-${i}`]);
        case 2:
          return request(parallel)
            .get('/optional')
            .set('Authorization', `Bearer ${tokenFor({ sub: `user-${i}`, exp: NOW - 1 })}`)
            .then((r) => [r.status, r.body.user ?? r.body.authError, 'ERR_TOKEN_EXPIRED']);
        default:
          return request(parallel)
            .get('/optional')
            .then((r) => [r.status, r.body.user ?? r.body.authError, null]);
      }
    });
    for (const [status, seen, expected] of await Promise.all(runs)) {
      expect(status).toBe(200);
      expect(seen).toBe(expected);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('every host answers every attack alike', () => {
  const battery: readonly (readonly [string, readonly (readonly [string, string])[]])[] = [
    ['/required', []],
    ['/required', [['Authorization', '   ']]],
    ['/required', [['Authorization', 'Bearer']]],
    ['/required', [['Authorization', `Bearer ${T} x`]]],
    ['/required', [['Authorization', `Bearer ${expired}`]]],
    ['/required', [['Authorization', `Bearer ${T}`]]],
    ['/required', [['Cookie', `jwt=${other}; jwt=${T}`]]],
    ['/required', [['Cookie', `jwt=${T}%0d%0aSet-Cookie:%20a=b`]]],
    [
      '/required',
      [
        ['Authorization', `Bearer ${other}`],
        ['Cookie', `jwt=${T}`],
      ],
    ],
    ['/optional', [['Authorization', 'Bearer a b']]],
    ['/optional', [['Cookie', `jwt=${expired}`]]],
    ['/admin', [['Authorization', `Bearer ${member}`]]],
    ['/admin', [['Authorization', `Bearer ${tokenFor({ role: ['admin'] })}`]]],
    ['/scoped', [['Authorization', `Bearer ${tokenFor({ scope: 'read\twrite' })}`]]],
    ['/forward', [['Authorization', `Bearer ${expired}`]]],
    ['/forward', []],
  ];

  it('same status, challenge, content type, body and cookies on Express 5 and 4, Koa 3 and 2, Fastify 5', async () => {
    const fingerprints = await Promise.all(
      variants.map(async ({ name, build }) => {
        const app = build(createAuth(hsOptions));
        const answers = [];
        for (const [path, headers] of battery) {
          let call = request(app).get(path);
          for (const [header, value] of headers) call = call.set(header, value);
          const res = await call;
          // The default error handlers render a forwarded error each in their own format; status and challenge must agree.
          const rendered = path === '/forward' ? null : { type: res.headers['content-type'], body: res.text };
          answers.push({
            path,
            status: res.status,
            challenge: res.headers['www-authenticate'],
            cookies: res.headers['set-cookie'],
            rendered,
          });
        }
        return [name, answers] as const;
      }),
    );
    const [, reference] = fingerprints[0]!;
    for (const [name, answers] of fingerprints.slice(1))
      expect({ name, answers }).toEqual({ name, answers: reference });
  });
});

// ---------------------------------------------------------------------------------------------
// Hosts where the guards are mounted by path for every method, and can be stacked.

type Layer = readonly ['optional' | 'required', GuardOptions?];

interface Host {
  readonly name: string;
  readonly framework: 'express' | 'koa' | 'fastify';
  mount(auth: Auth, layers: readonly Layer[]): Handler;
}

function expressHost(factory: typeof express5, auth: Auth, layers: readonly Layer[]): Handler {
  const app = factory();
  app.set('env', 'test');
  const guards = layers.map(([kind, options]) =>
    (kind === 'optional' ? forExpress.optionalAuth : forExpress.requireAuth)(auth, options ?? {}),
  );
  app.use('/p', ...guards, (req: express5.Request, res: express5.Response) => {
    res.json({
      user: (req.user as Claims | undefined)?.sub ?? null,
      auth: req.auth?.sub ?? null,
      token: req.auth ? 'kept' : null,
      authError: req.authError?.code ?? null,
    });
  });
  return app;
}

function koaHost(Factory: typeof Koa3, auth: Auth, layers: readonly Layer[]): Handler {
  const app = new Factory();
  app.silent = true;
  const guards: Koa3.Middleware[] = layers.map(([kind, options]) =>
    (kind === 'optional' ? forKoa.optionalAuth : forKoa.requireAuth)(auth, options ?? {}),
  );
  const chain: Koa3.Middleware[] = [
    ...guards,
    (ctx) => {
      const state = ctx.state as { user?: Claims; auth?: Claims; authError?: { code: string } };
      ctx.body = {
        user: state.user?.sub ?? null,
        auth: state.auth?.sub ?? null,
        token: state.auth ? 'kept' : null,
        authError: state.authError?.code ?? null,
      };
    },
  ];
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/p')) return next();
    const run = (i: number): Promise<void> => Promise.resolve(chain[i]?.(ctx, () => run(i + 1)));
    await run(0);
  });
  return app.callback();
}

function fastifyHost(auth: Auth, layers: readonly Layer[]): Handler {
  const app = Fastify();
  void app.register(forFastify.jwtGate);
  const guards = layers.map(([kind, options]) =>
    (kind === 'optional' ? forFastify.optionalAuth : forFastify.requireAuth)(
      auth,
      (options ?? {}) as forFastify.FastifyGuardOptions,
    ),
  );
  app.all('/p', { onRequest: guards }, async (request) => ({
    user: (request.user as { sub?: string } | undefined)?.sub ?? null,
    auth: request.auth?.sub ?? null,
    token: request.auth ? 'kept' : null,
    authError: request.authError?.code ?? null,
  }));
  return listenerOf(app);
}

const hosts: readonly Host[] = [
  { name: 'Express 5', framework: 'express', mount: (auth, layers) => expressHost(express5, auth, layers) },
  { name: 'Express 4', framework: 'express', mount: (auth, layers) => expressHost(express4, auth, layers) },
  { name: 'Koa 3', framework: 'koa', mount: (auth, layers) => koaHost(Koa3, auth, layers) },
  { name: 'Koa 2', framework: 'koa', mount: (auth, layers) => koaHost(Koa2, auth, layers) },
  { name: 'Fastify 5', framework: 'fastify', mount: (auth, layers) => fastifyHost(auth, layers) },
];

describe.each(hosts)('$name, guards mounted by path', ({ mount }) => {
  const auth = createAuth(hsOptions);

  describe('every method goes through the guard', () => {
    const required = mount(auth, [['required']]);
    it.each(['head', 'options', 'post', 'put', 'delete', 'patch'] as const)(
      '%s without a token: 401 with the bare challenge',
      async (method) => {
        const res = await request(required)[method]('/p');
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(CHALLENGE);
        if (method === 'head') expect(res.text ?? '').toBe('');
        else expect(res.body.code).toBe('ERR_TOKEN_MISSING');
      },
    );

    it.each(['head', 'options', 'post'] as const)('%s with a valid token: 200', async (method) => {
      const res = await request(required)[method]('/p').set('Authorization', `Bearer ${T}`);
      expect(res.status).toBe(200);
    });
  });

  // Express's 'anonymous' branch (adapters/express.ts) sets req.user and req.authError but leaves req.auth:
  // the claims and token an earlier guard accepted survive a later guard's refusal. Koa clears ctx.state.auth.
  it('a later optionalAuth that refuses clears what an earlier one set', async () => {
    const stacked = mount(auth, [['optional'], ['optional', { roles: ['admin'] }]]);
    const res = await request(stacked).get('/p').set('Authorization', `Bearer ${member}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: null, auth: null, token: null, authError: 'ERR_FORBIDDEN' });
  });

  it('a later requireAuth that refuses stops the request whatever an earlier optionalAuth set', async () => {
    const stacked = mount(auth, [['optional'], ['required', { roles: ['admin'] }]]);
    expectRefusal(
      await request(stacked).get('/p').set('Authorization', `Bearer ${member}`),
      403,
      'ERR_FORBIDDEN',
      member,
    );
  });

  it('a later guard that accepts sets the user (an earlier guard’s authError is left in place)', async () => {
    const stacked = mount(auth, [['optional', { roles: ['admin'] }], ['optional']]);
    const res = await request(stacked).get('/p').set('Authorization', `Bearer ${member}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: 'user-1', auth: 'user-1', token: 'kept' });
  });
});

// ---------------------------------------------------------------------------------------------
// The example apps.

const ADMIN_PASSWORD = 'admin-password-1';
const examples = [
  [
    'Express',
    async (): Promise<Handler> => (await createExpressExample({ adminPassword: ADMIN_PASSWORD })).app,
  ],
  [
    'Koa',
    async (): Promise<Handler> => (await createKoaExample({ adminPassword: ADMIN_PASSWORD })).app.callback(),
  ],
  [
    'Fastify',
    async (): Promise<Handler> =>
      listenerOf((await createFastifyExample({ adminPassword: ADMIN_PASSWORD })).app),
  ],
] as const;

describe.each(examples)('example app: %s', (name, build) => {
  let app: Handler;
  beforeAll(async () => {
    // HS256: no RSA key pair to generate; sessions in memory even where .ci/run sets REDIS_URL.
    vi.stubEnv('JWT_SECRET', SECRET);
    vi.stubEnv('REDIS_URL', '');
    app = await build();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  const json = (path: string, body: string) =>
    request(app).post(path).set('Content-Type', 'application/json').send(body);

  // examples/users.ts signUp checks `has(key)`, awaits scrypt, then `set(key)`: two sign-ups of one email both
  // pass the check, and the second silently replaces the first account (its password stops working).
  it('concurrent sign-ups of one email: one 201, the others 409', async () => {
    const emails = ['race@example.com', 'RACE@example.com', 'Race@Example.com', 'race@EXAMPLE.com'];
    const answers = await Promise.all(
      emails.map((email, i) =>
        request(app)
          .post('/signup')
          .send({ email, password: `password-${i}-of-race` }),
      ),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409, 409, 409]);
  });

  // examples/koa-app.ts jsonBody decodes each chunk on its own (`text += String(chunk)`), so a UTF-8 character
  // split between two TCP segments becomes two U+FFFD and the right password is refused.
  it('a non-ASCII password split across two TCP segments still logs in', async () => {
    const credentials = { email: 'zoe@example.com', password: 'pässwörd-lang' };
    expect((await request(app).post('/signup').send(credentials)).status).toBe(201);
    const body = Buffer.from(JSON.stringify(credentials));
    const cut = body.indexOf(Buffer.from('ä')) + 1;
    const head = `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const { server, port } = await listen(app);
    try {
      const [res] = parseResponses(
        await exchange(
          port,
          [Buffer.concat([Buffer.from(head), body.subarray(0, cut)]), body.subarray(cut)],
          40,
        ),
      );
      expect(res?.status).toBe(200);
    } finally {
      await close(server);
    }
  });

  it('login does not tell an unknown email from a wrong password, and sets no cookie on failure', async () => {
    const unknown = await request(app)
      .post('/login')
      .send({ email: 'nobody@example.com', password: 'whatever-1' });
    const wrong = await request(app)
      .post('/login')
      .send({ email: 'admin@example.com', password: 'whatever-1' });
    expect([unknown.status, unknown.text]).toEqual([wrong.status, wrong.text]);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('sign-up does tell: a taken email is a 409 (account enumeration through /signup)', async () => {
    const res = await request(app)
      .post('/signup')
      .send({ email: 'Admin@Example.com', password: 'anything-123' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'that email is taken' });
  });

  it.each([
    ['a body over 10 KB', 413, JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(20_000) })],
    ['a body that is not JSON', 400, '{"email":"admin@example.com","password":'],
    ['a bare JSON string', 400, '"hunter2-secret"'],
    ['a JSON array', 400, '[1]'],
    ['null', 400, 'null'],
    [
      'credentials under __proto__',
      400,
      `{"__proto__":{"email":"admin@example.com","password":"${ADMIN_PASSWORD}"}}`,
    ],
    ['a password too long', 400, JSON.stringify({ email: 'admin@example.com', password: 'x'.repeat(1025) })],
  ])('login with %s: %i, never a 5xx, no session', async (_name, status, body) => {
    const res = await json('/login', body);
    expect(res.status).toBe(status);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain(ADMIN_PASSWORD);
  });

  // Express and Koa serve sign-in forms; another site's form (what its browser says of it: Sec-Fetch-Site,
  // or an Origin of another host, or "null") signs nobody in. Fastify's example reads no forms at all.
  it.each([
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site', Origin: 'https://sub.127.0.0.1' }],
    ['only an Origin of another host', { Origin: 'https://evil.example' }],
    ['Origin: null', { Origin: 'null' }],
  ])('a form-encoded login from another site (%s) signs nobody in: no login CSRF', async (_name, headers) => {
    const res = await request(app)
      .post('/login')
      .set(headers)
      .type('form')
      .send(`email=admin%40example.com&password=${ADMIN_PASSWORD}`);
    expect(res.status).toBe(name === 'Fastify' ? 400 : 403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('/admin: a member’s token promoted to admin by hand is a 401, a member a 403', async () => {
    await request(app).post('/signup').send({ email: 'mia@example.com', password: 'mia-password' });
    const token = (
      await request(app).post('/auth/token').send({ email: 'mia@example.com', password: 'mia-password' })
    ).body.token as string;
    const [h, p, s] = token.split('.') as [string, string, string];
    const promoted = b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'admin' });
    expectRefusal(
      await request(app).get('/admin').set('Authorization', `Bearer ${h}.${promoted}.${s}`),
      401,
      'ERR_SIGNATURE_INVALID',
      token,
    );
    expectRefusal(
      await request(app).get('/admin').set('Authorization', `Bearer ${token}`),
      403,
      'ERR_FORBIDDEN',
      token,
    );
  });

  it('the public page treats a garbage or expired cookie as a guest', async () => {
    for (const cookie of ['jwt=garbage', `jwt=${expired}`, 'jwt=%0d%0a']) {
      const res = await request(app).get('/').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'hello, guest', signedIn: false });
    }
  });

  it('logging out revokes the token: a copied Bearer token is refused afterwards', async () => {
    const token = (
      await request(app).post('/auth/token').send({ email: 'admin@example.com', password: ADMIN_PASSWORD })
    ).body.token as string;
    expect((await request(app).get('/admin').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(app).post('/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(
      204,
    );
    const after = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('without ADMIN_PASSWORD the seeded admin gets a fresh random password', async () => {
    vi.stubEnv('ADMIN_PASSWORD', undefined);
    const create = { Express: createExpressExample, Koa: createKoaExample, Fastify: createFastifyExample }[
      name
    ];
    const [a, b] = await Promise.all([create(), create()]);
    expect(a.setup.admin.password).not.toBe(b.setup.admin.password);
    expect(a.setup.admin.password.length).toBeGreaterThanOrEqual(12);
  });
});

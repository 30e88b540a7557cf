// koa-jwt 4's own test cases, replayed against koa-jwt and against jwt-gate configured as the
// migration guide (docs/migrating.md) says, each behind the error handling of koa-jwt's README: same status and body, the same
// handler reached with the same error fields, the same user on ctx.state.
import Koa, { type Context, type Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { authOf, optionalAuth, requireAuth, signOut } from '../../adapters/koa.js';
import { createAuth, hs256, keySet, type AuthOptions, type GuardOptions } from '../../src/index.js';
import { OTHER_SECRET, SECRET } from '../helpers.js';

interface Seen {
  readonly status: number;
  readonly text: string;
  /** What the README's `next().catch(...)` handler saw, when it ran. */
  readonly handled: Record<string, unknown> | null;
  readonly user: unknown;
}

function app(guard: Middleware): Koa {
  const built = new Koa();
  built.silent = true;
  let handled: Record<string, unknown> | null = null;
  // koa-jwt's README: answer the 401s, rethrow the rest.
  built.use(async (ctx, next) => {
    handled = null;
    try {
      await next();
    } catch (caught) {
      const err = caught as Record<string, unknown>;
      if (err.status !== 401) throw caught;
      const original = err.originalError as { name?: unknown; message?: unknown } | undefined;
      handled = {
        name: err.name,
        message: err.message,
        originalName: original?.name ?? null,
        originalMessage: original?.message ?? null,
      };
      ctx.status = 401;
      ctx.body = { handled };
    }
  });
  built.use(guard);
  built.use((ctx) => {
    ctx.body = { user: (ctx.state as { user?: unknown }).user ?? null };
  });
  return built;
}

async function seen(target: Koa, send: (r: request.Test) => request.Test): Promise<Seen> {
  const res = await send(request(target.callback()).get('/api?x=1'));
  const body = (res.body ?? {}) as { handled?: Record<string, unknown>; user?: unknown };
  return {
    status: res.status,
    // What Koa itself rendered, for an error the handler rethrew.
    text: res.status >= 400 && res.status !== 401 ? res.text : '',
    handled: body.handled ?? null,
    user: body.user ?? null,
  };
}

type OurOptions = Partial<AuthOptions<unknown, never, Context>>;

const sign = (payload: object, secret = SECRET, options: jwt.SignOptions = { expiresIn: 600 }): string =>
  jwt.sign(payload, secret, options);
const bearer = (token: string) => (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
const SECRET_B = 'the-older-test-secret-0123456789abcdef-01';
const SECRET_C = 'the-oldest-test-secret-0123456789abcdef-0';

interface Row {
  readonly name: string;
  readonly send: (r: request.Test) => request.Test;
  readonly peer?: Partial<koaJwt.Options>;
  /** The guide's translation: createAuth options, guard options, optionalAuth. */
  readonly ours?: readonly [OurOptions, GuardOptions?, boolean?];
}

const rows: readonly Row[] = [
  { name: 'no Authorization header: 401 Authentication Error', send: (r) => r },
  { name: 'a valid token: its payload on ctx.state.user', send: bearer(sign({ sub: 'user-1', foo: 'bar' })) },
  { name: 'Authorization: wrong', send: (r) => r.set('Authorization', 'wrong') },
  { name: 'Authorization: Bearskin Jacket', send: (r) => r.set('Authorization', 'Bearskin Jacket') },
  { name: 'a token that is no JWT: jwt malformed', send: bearer('wrongjwt') },
  { name: 'another secret: invalid signature', send: bearer(sign({ sub: 'user-1' }, OTHER_SECRET)) },
  {
    name: 'expired: the jsonwebtoken error as originalError',
    send: bearer(sign({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, {})),
  },
  {
    name: 'leading and trailing spaces around the header',
    send: (r) => r.set('Authorization', `     Bearer ${sign({ sub: 'user-1' })}     `),
  },
  {
    name: 'getToken from the query string, with ctx',
    send: (r) => r.query({ token: sign({ sub: 'user-1' }) }),
    peer: { getToken: (ctx) => ctx.request.query.token as string },
    ours: [
      {
        getToken: (ctx: Context) =>
          typeof ctx.request.query.token === 'string'
            ? { token: ctx.request.query.token, source: 'bearer' }
            : undefined,
      },
    ],
  },
  {
    name: 'getToken that throws with ctx.throw(401)',
    send: (r) => r,
    peer: { getToken: (ctx) => ctx.throw(401, 'Bad Authorization') },
    ours: [{ getToken: (ctx: Context) => ctx.throw(401, 'Bad Authorization') }],
  },
  {
    name: 'getToken that finds nothing: the header is read next',
    send: bearer(sign({ sub: 'user-1' })),
    peer: { getToken: () => null },
    ours: [{ getToken: () => null, sources: ['getToken', 'bearer'] }],
  },
  {
    name: 'the cookie is read first: a valid cookie beside a stale Bearer header',
    send: (r) =>
      r
        .set('Cookie', `jwt=${sign({ sub: 'user-1' })};`)
        .set('Authorization', `Bearer ${sign({}, OTHER_SECRET)}`),
    peer: { cookie: 'jwt' },
    ours: [{ cookie: { name: 'jwt' }, sources: ['cookie', 'bearer'] }],
  },
  ...[SECRET, SECRET_B, SECRET_C].map((secret, i): Row => ({
    name: `secret: [a, b, c]: a token of secret ${'abc'[i]} that names no key`,
    send: bearer(sign({ sub: 'user-1' }, secret)),
    peer: { secret: [SECRET, SECRET_B, SECRET_C] },
    ours: [
      {
        key: keySet(
          [
            hs256({ secret: SECRET, kid: 'a' }),
            hs256({ secret: SECRET_B, kid: 'b' }),
            hs256({ secret: SECRET_C, kid: 'c' }),
          ],
          { active: 'a', legacy: ['b', 'c'] },
        ),
      },
    ],
  })),
  {
    name: 'secret: [a, b]: a token of neither',
    send: bearer(sign({ sub: 'user-1' }, OTHER_SECRET)),
    peer: { secret: [SECRET, SECRET_B] },
    ours: [
      {
        key: keySet([hs256({ secret: SECRET, kid: 'a' }), hs256({ secret: SECRET_B, kid: 'b' })], {
          active: 'a',
          legacy: ['b'],
        }),
      },
    ],
  },
  {
    name: 'isRevoked: 401 with Error("Token revoked") as originalError',
    send: bearer(sign({ sub: 'user-1' })),
    peer: { isRevoked: () => Promise.resolve(true) },
    ours: [{ isRevoked: () => true }],
  },
  {
    name: 'passthrough: no token goes on without a user',
    send: (r) => r,
    peer: { passthrough: true },
    ours: [{}, {}, true],
  },
];

// Each of these differs from koa-jwt on purpose, and docs/migrating.md says so.
describe('koa-jwt, the differences the guide names', () => {
  it('a session cookie sent twice: koa-jwt takes the first, jwt-gate refuses both (400)', async () => {
    const send = (r: request.Test): request.Test =>
      r.set('Cookie', `jwt=${sign({ sub: 'user-1' })}; jwt=${sign({ sub: 'planted' })}`);
    expect((await seen(app(koaJwt({ secret: SECRET, cookie: 'jwt' })), send)).user).toMatchObject({
      sub: 'user-1',
    });
    const auth = createAuth({ key: hs256(SECRET), sources: ['cookie', 'bearer'] });
    const ours = await seen(app(requireAuth(auth, { errors: 'koa-jwt' }) as Middleware), send);
    expect(ours.status).toBe(400);
    expect(ours.text).toBe('authentication cookie sent more than once');
  });

  it('HS512 tokens verify where the provider opts in, one algorithm per key', async () => {
    const long = `${SECRET}${SECRET}`;
    const send = bearer(sign({ sub: 'user-1' }, long, { expiresIn: 600, algorithm: 'HS512' }));
    expect((await seen(app(koaJwt({ secret: long })), send)).status).toBe(200);
    const refused = createAuth({ key: hs256(long) });
    expect(
      (await seen(app(requireAuth(refused, { errors: 'koa-jwt' }) as Middleware), send)).handled,
    ).toMatchObject({
      originalName: 'JsonWebTokenError',
      originalMessage: 'invalid algorithm',
    });
    const optedIn = createAuth({ key: hs256({ secret: long, alg: 'HS512' }) });
    expect((await seen(app(requireAuth(optedIn, { errors: 'koa-jwt' }) as Middleware), send)).status).toBe(
      200,
    );
  });
});

describe('koa-jwt, replayed', () => {
  it('getToken is given ctx in a sign-out too: the token it finds there is revoked', async () => {
    const auth = createAuth({
      key: hs256(SECRET),
      getToken: (ctx: Context) =>
        typeof ctx.query.token === 'string' ? { token: ctx.query.token, source: 'bearer' } : undefined,
    });
    const built = new Koa();
    built.use(async (ctx, next) => {
      if (ctx.path !== '/logout') return next();
      await signOut(ctx, auth);
      ctx.status = 204;
    });
    built.use(requireAuth(auth)).use((ctx) => {
      ctx.body = 'in';
    });
    const token = await auth.issue({ sub: 'user-1' });
    expect((await request(built.callback()).get('/me').query({ token })).status).toBe(200);
    expect((await request(built.callback()).post('/logout').query({ token })).status).toBe(204);
    expect((await request(built.callback()).get('/me').query({ token })).status).toBe(401);
  });

  it('tokenKey: the raw token, on ctx.state there and from authOf here', async () => {
    const token = sign({ sub: 'user-1' });
    const peer = new Koa();
    peer.use(koaJwt({ secret: SECRET, tokenKey: 'token' })).use((ctx) => {
      ctx.body = { token: (ctx.state as { token?: string }).token };
    });
    const auth = createAuth({ key: hs256(SECRET) });
    const ours = new Koa();
    ours.use(requireAuth(auth)).use((ctx) => {
      ctx.body = { token: authOf(ctx, auth).token };
    });
    const expected = (await bearer(token)(request(peer.callback()).get('/'))).body as unknown;
    expect(expected).toEqual({ token });
    expect((await bearer(token)(request(ours.callback()).get('/'))).body).toEqual(expected);
  });

  it.each(rows)('$name', async ({ send, peer, ours }) => {
    const expected = await seen(app(koaJwt({ secret: SECRET, ...peer })), send);
    const [authOptions, guard, optional] = ours ?? [{}];
    const auth = createAuth({ key: hs256(SECRET), ...authOptions });
    const middleware = (optional ? optionalAuth : requireAuth)(auth, { errors: 'koa-jwt', ...guard });
    const actual = await seen(app(middleware as Middleware), send);
    expect(actual).toEqual(expected);
  });
});

// express-jwt 8's own test cases, replayed against express-jwt and against jwt-gate configured as the
// migration guide (docs/migrating.md) says, each behind the error handler of express-jwt's README: same status, same handler
// reached with the same error fields, the same claims on req.auth. A difference is a trap unless the guide
// names it (the last describe block).
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { expressjwt, type Params } from 'express-jwt';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { optionalAuth, requireAuth } from '../../adapters/express.js';
import { createAuth, hs256, type AuthOptions, type GuardOptions } from '../../src/index.js';
import { OTHER_SECRET, SECRET } from '../helpers.js';

/** What the app saw: the status, whether its error handler ran and with what, the claims on req.auth. */
interface Seen {
  readonly status: number;
  readonly handled: Record<string, unknown> | null;
  readonly auth: unknown;
}

// The error handler of express-jwt's README, recording what it was given.
const readmeHandler: ErrorRequestHandler = (err: Record<string, unknown>, _req, res, next) => {
  if (err.name !== 'UnauthorizedError') {
    next(err);
    return;
  }
  const inner = err.inner as { name?: unknown; message?: unknown } | undefined;
  res.status(401).json({
    handled: {
      name: err.name,
      code: err.code,
      status: err.status,
      message: err.message,
      innerName: inner?.name ?? null,
      innerMessage: inner?.message ?? null,
    },
  });
};

function app(guard: RequestHandler): express.Express {
  const built = express();
  built.set('env', 'test');
  built.get('/api', guard, (req, res) => {
    res.json({ auth: (req as Request & { auth?: unknown }).auth ?? null });
  });
  built.use(readmeHandler);
  return built;
}

const peerApp = (options: Partial<Params> = {}): express.Express =>
  app(expressjwt({ secret: SECRET, algorithms: ['HS256'], ...options }));

const oursApp = (
  options: Partial<AuthOptions<unknown, never, Request>> = {},
  guard: GuardOptions = {},
  optional = false,
): express.Express => {
  const auth = createAuth({ key: hs256(SECRET), ...options } as AuthOptions<unknown, never, Request>);
  return app((optional ? optionalAuth : requireAuth)(auth, { errors: 'express-jwt', ...guard }));
};

async function seen(target: express.Express, send: (r: request.Test) => request.Test): Promise<Seen> {
  const res = await send(request(target).get('/api?x=1'));
  const body = res.body as { handled?: Record<string, unknown>; auth?: unknown };
  return { status: res.status, handled: body.handled ?? null, auth: body.auth ?? null };
}

const sign = (payload: object, secret = SECRET, options: jwt.SignOptions = { expiresIn: 600 }): string =>
  jwt.sign(payload, secret, options);
const bearer = (token: string) => (r: request.Test) => r.set('Authorization', `Bearer ${token}`);
const expired = (): string => sign({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, {});

interface Row {
  readonly name: string;
  readonly send: (r: request.Test) => request.Test;
  readonly peer?: Partial<Params>;
  /** The guide's translation: createAuth options, guard options, optionalAuth. */
  readonly ours?: readonly [Partial<AuthOptions<unknown, never, Request>>, GuardOptions?, boolean?];
}

const rows: readonly Row[] = [
  { name: 'no Authorization header: credentials_required', send: (r) => r },
  { name: 'a valid token: its payload on req.auth', send: bearer(sign({ sub: 'user-1', foo: 'bar' })) },
  {
    name: 'Authorization: wrong (one part): credentials_bad_format',
    send: (r) => r.set('Authorization', 'wrong'),
  },
  {
    name: 'Authorization: Basic foobar: credentials_bad_scheme',
    send: (r) => r.set('Authorization', 'Basic foobar'),
  },
  { name: 'a token that is no JWT: invalid_token, jwt malformed', send: bearer('wrongjwt') },
  {
    name: 'another secret: invalid_token, invalid signature',
    send: bearer(sign({ sub: 'user-1' }, OTHER_SECRET)),
  },
  { name: 'expired: invalid_token, TokenExpiredError, jwt expired', send: (r) => bearer(expired())(r) },
  {
    name: 'not yet valid: invalid_token, NotBeforeError, jwt not active',
    send: bearer(sign({ sub: 'user-1' }, SECRET, { expiresIn: 600, notBefore: 300 })),
  },
  {
    name: 'credentialsRequired: false, no token: goes on without req.auth',
    send: (r) => r,
    peer: { credentialsRequired: false },
    ours: [{}, { invalid: 'refuse' }, true],
  },
  {
    name: 'credentialsRequired: false, expired token: still refused',
    send: (r) => bearer(expired())(r),
    peer: { credentialsRequired: false },
    ours: [{}, { invalid: 'refuse' }, true],
  },
  {
    name: 'isRevoked: revoked_token',
    send: bearer(sign({ sub: 'user-1' })),
    peer: { isRevoked: () => true },
    ours: [{ isRevoked: () => true }],
  },
  {
    name: 'getToken from the query string',
    send: (r) => r.query({ token: sign({ sub: 'user-1' }) }),
    peer: { getToken: (req) => req.query.token as string | undefined },
    ours: [
      {
        getToken: (req: Request) =>
          typeof req.query.token === 'string' ? { token: req.query.token, source: 'bearer' } : undefined,
      },
    ],
  },
];

describe('express-jwt, replayed', () => {
  it.each(rows)('$name', async ({ send, peer, ours }) => {
    const expected = await seen(peerApp(peer), send);
    const [authOptions, guard, optional] = ours ?? [{}];
    const actual = await seen(oursApp(authOptions, guard, optional), send);
    // The claims as express-jwt leaves them; jwt-gate adds nothing but a jti when it issued the token.
    expect(actual).toEqual(expected);
  });

  it('req.auth is the payload, as express-jwt >= 7 leaves it: req.auth.sub', async () => {
    const token = sign({ sub: 'user-1', role: 'admin' });
    const { auth } = await seen(oursApp(), bearer(token));
    expect(auth).toMatchObject({ sub: 'user-1', role: 'admin' });
  });

  it('requestProperty: "user": req.user holds the payload in both, with nothing to configure', async () => {
    const token = sign({ sub: 'user-1', role: 'admin' });
    const userOf = async (guard: RequestHandler): Promise<unknown> => {
      const built = express();
      built.get('/api', guard, (req, res) => void res.json(req.user ?? null));
      return (await request(built).get('/api').set('Authorization', `Bearer ${token}`)).body;
    };
    const expected = await userOf(
      expressjwt({ secret: SECRET, algorithms: ['HS256'], requestProperty: 'user' }),
    );
    expect(expected).toMatchObject({ sub: 'user-1', role: 'admin' });
    expect(await userOf(requireAuth(createAuth({ key: hs256(SECRET) })))).toEqual(expected);
  });

  it('.unless({ path }): the same paths go on without a token', async () => {
    const statuses = async (guard: RequestHandler): Promise<number[]> => {
      const built = express();
      built.use(guard);
      built.get(['/health', '/api'], (_req, res) => void res.sendStatus(200));
      built.use(readmeHandler);
      return Promise.all(
        ['/health', '/health?x=1', '/api'].map(async (path) => (await request(built).get(path)).status),
      );
    };
    const expected = await statuses(
      expressjwt({ secret: SECRET, algorithms: ['HS256'] }).unless({ path: ['/health'] }) as RequestHandler,
    );
    expect(expected).toEqual([200, 200, 401]);
    expect(
      await statuses(
        requireAuth(createAuth({ key: hs256(SECRET) }), {
          errors: 'express-jwt',
          unless: { path: ['/health'] },
        }),
      ),
    ).toEqual(expected);
  });

  it('a request made by hand with Authorization capitalized (a Lambda event): accepted by both', async () => {
    const token = sign({ sub: 'user-1' });
    const req = { headers: { Authorization: `Bearer ${token}` } } as unknown as Request & {
      auth?: { sub?: string };
    };
    // express-jwt's own suite calls it so, with an empty response it never touches.
    const res = JSON.parse('{}') as express.Response;
    await new Promise<void>((resolve, reject) => {
      void expressjwt({ secret: SECRET, algorithms: ['HS256'] })(req, res, (err?: unknown) => {
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
    expect(req.auth?.sub).toBe('user-1');
    const ours = await createAuth({ key: hs256(SECRET) }).authenticate({
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(ours?.claims.sub).toBe('user-1');
  });

  it('getToken throwing an error of its own: handed on as it is, as express-jwt does', async () => {
    const thrown = Object.assign(new Error('Invalid token!'), {
      name: 'UnauthorizedError',
      code: 'invalid_token',
    });
    const send = (r: request.Test): request.Test => r;
    const expected = await seen(
      peerApp({
        getToken: () => {
          throw thrown;
        },
      }),
      send,
    );
    const actual = await seen(
      oursApp({
        getToken: () => {
          throw thrown;
        },
      }),
      send,
    );
    expect(actual).toEqual(expected);
    expect(actual.handled).toMatchObject({ code: 'invalid_token', message: 'Invalid token!' });
  });
});

// Each of these differs from express-jwt on purpose, and docs/migrating.md says so.
describe('express-jwt, the differences the guide names', () => {
  it('a token without exp is refused (requireExp: false lifts it)', async () => {
    const send = bearer(sign({ sub: 'user-1' }, SECRET, {}));
    expect((await seen(peerApp(), send)).status).toBe(200);
    expect((await seen(oursApp(), send)).handled).toMatchObject({
      code: 'invalid_token',
      innerName: 'JsonWebTokenError',
    });
    expect((await seen(oursApp({ requireExp: false }), send)).auth).toMatchObject({ sub: 'user-1' });
  });

  it('a Bearer header with two credentials: the same code, with status 400 (RFC 6750 invalid_request)', async () => {
    const send = (r: request.Test): request.Test => r.set('Authorization', 'Bearer a b');
    expect((await seen(peerApp(), send)).handled).toMatchObject({
      code: 'credentials_bad_format',
      status: 401,
    });
    expect((await seen(oursApp(), send)).handled).toMatchObject({
      code: 'credentials_bad_format',
      status: 400,
    });
  });

  it('a CORS preflight is answered 204 by the guard; preflight: "next" passes it on as express-jwt does', async () => {
    const preflight = (target: express.Express): request.Test =>
      request(target)
        .options('/api')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
    const withRoute = (guard: RequestHandler): express.Express => {
      const built = express();
      built.use(guard);
      built.options('/api', (_req, res) => void res.status(200).send('cors'));
      return built;
    };
    const auth = createAuth({ key: hs256(SECRET) });
    expect((await preflight(withRoute(expressjwt({ secret: SECRET, algorithms: ['HS256'] })))).text).toBe(
      'cors',
    );
    expect((await preflight(withRoute(requireAuth(auth)))).status).toBe(204);
    expect((await preflight(withRoute(requireAuth(auth, { preflight: 'next' })))).text).toBe('cors');
  });

  it('a secret shorter than 32 bytes is refused at start-up', () => {
    expect(() => hs256('shhhhhh')).toThrow(RangeError);
  });
});

// passport-jwt 4's own test cases (its extractor, request, validation and verify suites), replayed in one
// Express + passport app against passport-jwt and against jwt-gate/passport configured as
// docs/migrating-from-passport-jwt.md says: the same status, the same user reaching the handler (req.user),
// the same error reaching the app's error handler. A difference is a trap unless the page names it (the
// last describe block).
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { JwtGateStrategy } from '../../adapters/passport.js';
import { createAuth, hs256, keySet, type AuthOptions, type Claims } from '../../src/index.js';
import { OTHER_SECRET, SECRET } from '../helpers.js';

/** What the app saw: the status, req.user in the handler, the message its error handler was given. */
interface Seen {
  readonly status: number;
  readonly user: unknown;
  readonly handled: string | null;
}

type Verify = (payload: Claims, done: (err: unknown, user?: unknown, info?: unknown) => void) => void;

function app(strategy: passport.Strategy): express.Express {
  const authenticator = new passport.Passport();
  authenticator.use('under-test', strategy);
  const built = express();
  built.use(express.json());
  built.use(authenticator.initialize());
  const guard = authenticator.authenticate('under-test', { session: false }) as RequestHandler;
  built.all('/api', guard, (req, res) => {
    res.json({ user: req.user });
  });
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(500).json({ handled: err.message });
  };
  built.use(onError);
  return built;
}

const peer = (options: Partial<StrategyOptionsWithoutRequest> = {}, verify?: Verify): passport.Strategy =>
  new JwtStrategy(
    {
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: SECRET,
      ...options,
    },
    verify ?? ((payload, done) => done(null, payload)),
  );

const ours = (options: Partial<AuthOptions<unknown, Claims, Request>> = {}): passport.Strategy =>
  new JwtGateStrategy(
    createAuth({ key: hs256(SECRET), ...options } as AuthOptions<unknown, Claims, Request>),
  );

async function seen(strategy: passport.Strategy, send: (r: request.Test) => request.Test): Promise<Seen> {
  const res = await send(request(app(strategy)).post('/api'));
  const body = res.body as { user?: unknown; handled?: string };
  return { status: res.status, user: body.user ?? null, handled: body.handled ?? null };
}

const nowS = (): number => Math.floor(Date.now() / 1000);
const sign = (payload: object, options: jwt.SignOptions = {}, secret = SECRET): string =>
  jwt.sign(payload, secret, { expiresIn: 600, ...options });
/** Signed as given: the payload's own exp. */
const signRaw = (payload: object): string => jwt.sign(payload, SECRET);
const bearer =
  (token: string, scheme = 'Bearer') =>
  (r: request.Test): request.Test =>
    r.set('Authorization', `${scheme} ${token}`);
const header = (name: string, value: string) => (r: request.Test) => r.set(name, value);
// Each token is signed once, when its row is made: both libraries then see the same iat and exp.
const inBody = (token: string) => (r: request.Test) => r.send({ token });
const inQuery = (token: string) => (r: request.Test) => r.query({ token });
const bearerAndQuery = (inHeader: string, inUrl: string) => (r: request.Test) =>
  bearer(inHeader)(r).query({ token: inUrl });

// passport-jwt's custom-function extractor and jwt-gate's getToken, for the extractor rows.
const fromXToken = (req: Request): { token: string; source: 'bearer' } | undefined => {
  const token = req.headers['x-token'];
  return typeof token === 'string' ? { token, source: 'bearer' } : undefined;
};
const fromBody = (req: Request): { token: string; source: 'bearer' } | undefined => {
  const token: unknown = (req.body as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' ? { token, source: 'bearer' } : undefined;
};
const fromQuery = (req: Request): { token: string; source: 'bearer' } | undefined =>
  typeof req.query.token === 'string' ? { token: req.query.token, source: 'bearer' } : undefined;
const fromJwtScheme = (req: Request): { token: string; source: 'bearer' } | undefined => {
  const [scheme, token] = (req.headers.authorization ?? '').split(/\s+/);
  return scheme?.toLowerCase() === 'jwt' && token ? { token, source: 'bearer' } : undefined;
};
const cookieNamed =
  (name: string) =>
  (req: Request): string | null =>
    new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1] ?? null;

interface Row {
  readonly name: string;
  readonly send: (r: request.Test) => request.Test;
  readonly peer?: Partial<StrategyOptionsWithoutRequest>;
  readonly verify?: Verify;
  /** The page's translation: createAuth options. */
  readonly ours?: Partial<AuthOptions<unknown, Claims, Request>>;
}

// HS384 secrets are at least 48 bytes (RFC 7518 §3.2).
const SECRET_384 = `${SECRET}-0123`;
const users = new Map([['user-1', { id: 'user-1', name: 'Ada' }]]);

const rows: readonly Row[] = [
  // strategy-requests and strategy-validation: the header, and no token at all
  { name: 'fromAuthHeaderAsBearerToken: a valid token', send: bearer(sign({ sub: 'user-1', foo: 'bar' })) },
  { name: 'the scheme in lower case ("bearer ...")', send: bearer(sign({ sub: 'user-1' }), 'bearer') },
  { name: 'no token: 401, the handler never reached', send: (r) => r },
  { name: 'Authorization: malformed', send: header('Authorization', 'malformed') },
  { name: 'a token that is no JWT', send: bearer('wrongjwt') },
  { name: 'another secret', send: bearer(sign({ sub: 'user-1' }, {}, OTHER_SECRET)) },
  { name: 'expired', send: bearer(signRaw({ sub: 'user-1', exp: nowS() - 60 })) },
  {
    name: 'not yet valid (nbf)',
    send: bearer(sign({ sub: 'user-1' }, { notBefore: 300 })),
  },
  // extract_jwt: each extractor
  {
    name: 'fromHeader("x-token")',
    send: header('X-Token', sign({ sub: 'user-1' })),
    peer: { jwtFromRequest: ExtractJwt.fromHeader('x-token') },
    ours: { getToken: fromXToken },
  },
  {
    name: 'fromHeader("x-token"), the token in Authorization instead: not looked for',
    send: bearer(sign({ sub: 'user-1' })),
    peer: { jwtFromRequest: ExtractJwt.fromHeader('x-token') },
    ours: { getToken: fromXToken },
  },
  {
    name: 'fromBodyField("token")',
    send: inBody(sign({ sub: 'user-1' })),
    peer: { jwtFromRequest: ExtractJwt.fromBodyField('token') },
    ours: { getToken: fromBody },
  },
  {
    name: 'fromUrlQueryParameter("token")',
    send: inQuery(sign({ sub: 'user-1' })),
    peer: { jwtFromRequest: ExtractJwt.fromUrlQueryParameter('token') },
    ours: { getToken: fromQuery },
  },
  {
    name: 'fromAuthHeaderWithScheme("JWT")',
    send: bearer(sign({ sub: 'user-1' }), 'jwt'),
    peer: { jwtFromRequest: ExtractJwt.fromAuthHeaderWithScheme('JWT') },
    ours: { getToken: fromJwtScheme },
  },
  {
    name: 'fromAuthHeaderWithScheme("JWT"), a Bearer token: not looked for',
    send: bearer(sign({ sub: 'user-1' })),
    peer: { jwtFromRequest: ExtractJwt.fromAuthHeaderWithScheme('JWT') },
    ours: { getToken: fromJwtScheme },
  },
  {
    name: 'fromExtractors([bearer, query]), the token in the query',
    send: inQuery(sign({ sub: 'user-1' })),
    peer: {
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromUrlQueryParameter('token'),
      ]),
    },
    ours: { getToken: fromQuery, sources: ['bearer', 'getToken'] },
  },
  {
    name: 'fromExtractors([bearer, query]), a token in both: the header wins',
    send: bearerAndQuery(sign({ sub: 'header' }), sign({ sub: 'query' }, {}, OTHER_SECRET)),
    peer: {
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromUrlQueryParameter('token'),
      ]),
    },
    ours: { getToken: fromQuery, sources: ['bearer', 'getToken'] },
  },
  {
    name: 'a custom function reading a cookie',
    send: header('Cookie', `token=${sign({ sub: 'user-1' })}`),
    peer: { jwtFromRequest: cookieNamed('token') },
    ours: { cookie: { name: 'token' }, sources: ['cookie'] },
  },
  // strategy-validation: issuer, audience, algorithms, ignoreExpiration, jsonWebTokenOptions
  {
    name: 'issuer and audience, both right',
    send: bearer(sign({ sub: 'user-1' }, { issuer: 'TestIssuer', audience: 'TestAudience' })),
    peer: { issuer: 'TestIssuer', audience: 'TestAudience' },
    ours: { issuer: 'TestIssuer', audience: 'TestAudience' },
  },
  {
    name: 'issuer: another iss',
    send: bearer(sign({ sub: 'user-1' }, { issuer: 'Other', audience: 'TestAudience' })),
    peer: { issuer: 'TestIssuer', audience: 'TestAudience' },
    ours: { issuer: 'TestIssuer', audience: 'TestAudience' },
  },
  {
    name: 'audience: another aud',
    send: bearer(sign({ sub: 'user-1' }, { issuer: 'TestIssuer', audience: 'Other' })),
    peer: { issuer: 'TestIssuer', audience: 'TestAudience' },
    ours: { issuer: 'TestIssuer', audience: 'TestAudience' },
  },
  {
    name: 'audience: a list, the token carrying one of them',
    send: bearer(sign({ sub: 'user-1' }, { audience: 'b' })),
    peer: { audience: ['a', 'b'] },
    ours: { audience: ['a', 'b'] },
  },
  {
    name: 'algorithms: ["HS256"], an HS384 token',
    send: bearer(sign({ sub: 'user-1' }, { algorithm: 'HS384' }, SECRET_384)),
    peer: { algorithms: ['HS256'], secretOrKey: SECRET_384 },
    ours: { key: hs256(SECRET_384) },
  },
  {
    name: 'algorithms: ["HS384"], an HS384 token',
    send: bearer(sign({ sub: 'user-1' }, { algorithm: 'HS384' }, SECRET_384)),
    peer: { algorithms: ['HS384'], secretOrKey: SECRET_384 },
    ours: { key: hs256({ secret: SECRET_384, alg: 'HS384' }) },
  },
  {
    name: 'ignoreExpiration: false, an expired token',
    send: bearer(signRaw({ sub: 'user-1', exp: nowS() - 60 })),
    peer: { ignoreExpiration: false },
  },
  {
    name: 'jsonWebTokenOptions.clockTolerance: 10, a token expired 5 s ago',
    send: bearer(signRaw({ sub: 'user-1', exp: nowS() - 5 })),
    peer: { jsonWebTokenOptions: { clockTolerance: 10 } },
    ours: { clockTolerance: 10 },
  },
  {
    name: 'jsonWebTokenOptions.maxAge: "1h", a token issued 2 h ago',
    send: bearer(sign({ sub: 'user-1', iat: nowS() - 7200 })),
    peer: { jsonWebTokenOptions: { maxAge: '1h' } },
    ours: { maxTokenAge: '1h' },
  },
  {
    name: 'jsonWebTokenOptions.subject: another sub',
    send: bearer(sign({ sub: 'user-2' })),
    peer: { jsonWebTokenOptions: { subject: 'user-1' } },
    ours: { subject: 'user-1' },
  },
  // strategy-verify: the verify callback
  {
    name: 'verify: done(null, user, info): the user on req.user',
    send: bearer(sign({ sub: 'user-1' })),
    verify: (payload, done) => done(null, users.get(String(payload.sub)), { foo: 'bar' }),
    ours: { user: (claims: Claims) => users.get(String(claims.sub)) },
  },
  {
    name: 'verify: done(null, false): 401',
    send: bearer(sign({ sub: 'user-9' })),
    verify: (payload, done) =>
      done(null, users.get(String(payload.sub)) ?? false, { message: 'invalid user' }),
    ours: { user: (claims: Claims) => users.get(String(claims.sub)) ?? false },
  },
  {
    name: 'verify: done(err): the error handler, given the error',
    send: bearer(sign({ sub: 'user-1' })),
    verify: (_payload, done) => done(new Error('ERROR'), false),
    ours: { user: async () => Promise.reject(new Error('ERROR')) },
  },
  {
    name: 'verify throws: the error handler, given the error',
    send: bearer(sign({ sub: 'user-1' })),
    verify: () => {
      throw new Error('EXCEPTION');
    },
    ours: {
      user: (): never => {
        throw new Error('EXCEPTION');
      },
    },
  },
  // strategy-verify: secretOrKeyProvider choosing a secret per token
  ...['a', 'b', 'c'].map((kid): Row => ({
    name: `secretOrKeyProvider by kid: a token of kid "${kid}"`,
    send: bearer(sign({ sub: 'user-1' }, { keyid: kid }, kid === 'b' ? OTHER_SECRET : SECRET)),
    peer: {
      secretOrKey: undefined,
      secretOrKeyProvider: (_req, raw: string, done) => {
        const kidOf = jwt.decode(raw, { complete: true })?.header.kid ?? '';
        done(null, ({ a: SECRET, b: OTHER_SECRET } as Record<string, string>)[kidOf]);
      },
    },
    ours: {
      key: keySet([hs256({ secret: SECRET, kid: 'a' }), hs256({ secret: OTHER_SECRET, kid: 'b' })], {
        active: 'a',
      }),
    },
  })),
];

describe('passport-jwt, replayed', () => {
  it.each(rows)('$name', async ({ send, peer: peerOptions, verify, ours: ourOptions }) => {
    const expected = await seen(peer(peerOptions, verify), send);
    const actual = await seen(ours(ourOptions), send);
    expect(actual).toEqual(expected);
  });
});

// Each of these differs from passport-jwt on purpose, and docs/migrating-from-passport-jwt.md says so.
describe('passport-jwt, the differences the page names', () => {
  it('a refusal carries its RFC 6750 challenge; a custom callback gets it as info, req.authError the code', async () => {
    const token = signRaw({ sub: 'user-1', exp: nowS() - 60 });
    const infoOf = async (strategy: passport.Strategy): Promise<unknown> => {
      const authenticator = new passport.Passport();
      authenticator.use('under-test', strategy);
      const built = express();
      built.get('/cb', (req, res, next) => {
        const callback = (_err: unknown, _user: unknown, info: unknown): void => {
          const message = info instanceof Error ? info.message : info;
          res.json({ message, code: req.authError?.code ?? null });
        };
        (authenticator.authenticate('under-test', { session: false }, callback) as RequestHandler)(
          req,
          res,
          next,
        );
      });
      return (await request(built).get('/cb').set('Authorization', `Bearer ${token}`)).body;
    };
    expect(await infoOf(peer())).toEqual({ message: 'jwt expired', code: null });
    expect(await infoOf(ours())).toEqual({
      message: 'Bearer realm="api", error="invalid_token", error_description="token expired"',
      code: 'ERR_TOKEN_EXPIRED',
    });
    const challenge = async (strategy: passport.Strategy): Promise<unknown> =>
      (await request(app(strategy)).get('/api').set('Authorization', `Bearer ${token}`)).headers[
        'www-authenticate'
      ];
    expect(await challenge(peer())).toBeUndefined();
    expect(await challenge(ours())).toContain('error="invalid_token"');
  });

  it('req.authInfo is { claims, source }, not what a verify callback passed', async () => {
    const authInfoOf = async (strategy: passport.Strategy): Promise<unknown> => {
      const authenticator = new passport.Passport();
      authenticator.use('under-test', strategy);
      const built = express();
      built.get(
        '/api',
        authenticator.authenticate('under-test', { session: false }) as RequestHandler,
        (req, res) => void res.json(req.authInfo ?? null),
      );
      return (
        await request(built)
          .get('/api')
          .set('Authorization', `Bearer ${sign({ sub: 'user-1' })}`)
      ).body;
    };
    expect(await authInfoOf(peer({}, (payload, done) => done(null, payload, { foo: 'bar' })))).toEqual({
      foo: 'bar',
    });
    expect(await authInfoOf(ours())).toMatchObject({ claims: { sub: 'user-1' }, source: 'bearer' });
  });

  it('a token without exp is refused (requireExp: false lifts it)', async () => {
    const send = bearer(signRaw({ sub: 'user-1' }));
    expect((await seen(peer(), send)).status).toBe(200);
    expect((await seen(ours(), send)).status).toBe(401);
    expect((await seen(ours({ requireExp: false }), send)).user).toMatchObject({ sub: 'user-1' });
  });

  it('ignoreExpiration: true has no equivalent: an expired token is refused', async () => {
    const send = bearer(signRaw({ sub: 'user-1', exp: nowS() - 60 }));
    expect((await seen(peer({ ignoreExpiration: true }), send)).status).toBe(200);
    expect((await seen(ours(), send)).status).toBe(401);
  });

  it('a Bearer header with two credentials: 400, where passport-jwt took the first', async () => {
    const send = header('Authorization', `Bearer ${sign({ sub: 'user-1' })} extra`);
    expect((await seen(peer(), send)).status).toBe(200);
    expect((await seen(ours(), send)).status).toBe(400);
  });

  it("a key provider that fails: passport's error (500), where secretOrKeyProvider's error was a 401", async () => {
    const send = bearer(sign({ sub: 'user-1' }));
    const failing = peer({
      secretOrKey: undefined,
      secretOrKeyProvider: (_req, _raw, done) => done(new Error('key store down')),
    });
    expect((await seen(failing, send)).status).toBe(401);
    const down = hs256(SECRET);
    const broken = new JwtGateStrategy(
      createAuth({
        key: {
          algorithms: down.algorithms,
          verifyKey: () => {
            throw new Error('key store down');
          },
        },
      }),
    );
    expect(await seen(broken, send)).toEqual({ status: 500, user: null, handled: 'key store down' });
  });

  it('passReqToCallback: the user mapper sees the claims; a check of the request goes in a middleware after', async () => {
    const token = sign({ sub: 'user-1', tenant: 'acme' });
    const statusOf = async (
      strategy: passport.Strategy,
      after: RequestHandler = (_q, _s, next) => next(),
    ) => {
      const authenticator = new passport.Passport();
      authenticator.use('under-test', strategy);
      const built = express();
      built.get(
        '/:tenant/api',
        authenticator.authenticate('under-test', { session: false }) as RequestHandler,
        after,
        (_req, res) => void res.sendStatus(200),
      );
      return Promise.all(
        ['acme', 'other'].map(
          async (t) => (await request(built).get(`/${t}/api`).set('Authorization', `Bearer ${token}`)).status,
        ),
      );
    };
    const withRequest = new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: SECRET,
        passReqToCallback: true,
      },
      (req: Request, payload: Claims, done: (err: unknown, user?: unknown) => void) =>
        done(null, req.params.tenant === payload.tenant ? payload : false),
    );
    expect(await statusOf(withRequest)).toEqual([200, 401]);
    const sameTenant: RequestHandler = (req, res, next) => {
      if ((req.user as Claims | undefined)?.tenant === req.params.tenant) next();
      else res.sendStatus(401);
    };
    expect(await statusOf(ours(), sameTenant)).toEqual([200, 401]);
  });

  it('a CORS preflight is answered 204 by the strategy (preflight: "next" passes it on)', async () => {
    const preflight = async (strategy: passport.Strategy): Promise<number> =>
      (
        await request(app(strategy))
          .options('/api')
          .set('Origin', 'https://app.example')
          .set('Access-Control-Request-Method', 'GET')
      ).status;
    expect(await preflight(peer())).toBe(401);
    expect(await preflight(ours())).toBe(204);
  });

  it("clockTolerance is 1 s by default, where jsonwebtoken's is 0", async () => {
    // Both read Date.now: pinned, the token's exp is exactly now.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.UTC(2026, 0, 1));
      const send = bearer(signRaw({ sub: 'user-1', exp: nowS() }));
      expect((await seen(peer(), send)).status).toBe(401);
      expect((await seen(ours(), send)).status).toBe(200);
      expect((await seen(ours({ clockTolerance: 0 }), send)).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('jsonWebTokenOptions.jwtid / nonce: a check, a 403 where jsonwebtoken gave a 401', async () => {
    const send = bearer(sign({ sub: 'user-1', nonce: 'other' }));
    expect((await seen(peer({ jsonWebTokenOptions: { nonce: 'expected' } }), send)).status).toBe(401);
    const checked = (nonce: string): passport.Strategy =>
      new JwtGateStrategy(createAuth({ key: hs256(SECRET) }), {
        check: (claims) => claims.nonce === nonce,
      });
    expect((await seen(checked('expected'), send)).status).toBe(403);
    expect((await seen(checked('other'), send)).user).toMatchObject({ sub: 'user-1' });
  });

  it('a secret shorter than 32 bytes is refused at start-up', () => {
    expect(() => hs256('secret')).toThrow(RangeError);
  });
});

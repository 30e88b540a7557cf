import type { RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import { hs256, rs256, type Auth } from 'jwt-gate';
import { requireAuth as expressRequireAuth } from 'jwt-gate/express';
import { requireAuth as koaRequireAuth } from 'jwt-gate/koa';
import { jwtGate, requireAuth as fastifyRequireAuth } from 'jwt-gate/fastify';
import { AUDIENCE, ISSUER, PUBLIC_PEM, SECRET, keys } from '../fixtures.js';
import { floorVerifyHs256, floorVerifyRs256 } from '../floor.js';
import { gate } from '../gate.js';
import { benchRedisStore } from '../redis.js';

/** What guards a route in one HTTP case. */
export type GuardName =
  | 'none'
  | 'floor-hs256'
  | 'jwt-gate-hs256'
  | 'jwt-gate-hs256-store'
  | 'jwt-gate-hs256-cache'
  | 'jwt-gate-hs256-default'
  | 'jwt-gate-hs256-redis'
  | 'peer-hs256'
  | 'peer-hs256-string'
  | 'floor-rs256'
  | 'jwt-gate-rs256'
  | 'jwt-gate-rs256-cache'
  | 'peer-rs256'
  | LadderName;

/** The layers between the floor and requireAuth, one step each, for BENCH_HTTP_LADDER. */
export type LadderName = 'floor-hs256-microtask' | 'verify-hs256' | 'authenticate-hs256';

// The defaults first: the cache with the memory store (as shipped), with Redis, and with no store.
export const GUARDS: readonly GuardName[] = [
  'jwt-gate-hs256-default',
  'jwt-gate-hs256-redis',
  'jwt-gate-hs256-cache',
  'none',
  'floor-hs256',
  'jwt-gate-hs256',
  'jwt-gate-hs256-store',
  'peer-hs256',
  'peer-hs256-string',
  'floor-rs256',
  'jwt-gate-rs256',
  'jwt-gate-rs256-cache',
  'peer-rs256',
];

export const LADDER: readonly GuardName[] = [
  'none',
  'floor-hs256',
  'floor-hs256-microtask',
  'verify-hs256',
  'authenticate-hs256',
  'jwt-gate-hs256',
  'jwt-gate-hs256-cache',
];

const algOf = (guard: GuardName): 'HS256' | 'RS256' => (guard.includes('rs256') ? 'RS256' : 'HS256');

function auth(guard: GuardName): Auth {
  const key = algOf(guard) === 'HS256' ? hs256(keys.secret) : rs256({ publicKey: keys.publicKey });
  if (guard === 'jwt-gate-hs256-default') return gate(key, { cache: true, store: true });
  if (guard === 'jwt-gate-hs256-redis') return gate(key, { cache: true, store: benchRedisStore() });
  return gate(key, { cache: guard.endsWith('-cache'), store: guard === 'jwt-gate-hs256-store' });
}

// The floor inside a server: the Bearer credential, then the floor's verify and nothing else.
function floorUser(
  authorization: string | undefined,
  alg: 'HS256' | 'RS256',
): Record<string, unknown> | undefined {
  if (authorization === undefined || !authorization.startsWith('Bearer ')) return undefined;
  try {
    const token = authorization.slice(7);
    return alg === 'HS256' ? floorVerifyHs256(token, keys.secret) : floorVerifyRs256(token, keys.publicKey);
  } catch {
    return undefined;
  }
}

// The peers in their fastest documented set-up (keys imported once), and with the secret as a
// string, as most apps pass it; iss and aud checked.
const peerOptions = (guard: GuardName) => ({
  secret: guard === 'peer-hs256-string' ? SECRET : algOf(guard) === 'HS256' ? keys.secret : keys.publicKey,
  algorithms: [algOf(guard)],
  issuer: ISSUER,
  audience: AUDIENCE,
});

// The ladder's middle steps: the core called by hand, without the guard and the adapter.
async function byHand(
  guard: GuardName,
  a: Auth,
  authorization: string | undefined,
  req: { headers: Record<string, string | string[] | undefined> },
): Promise<unknown> {
  if (guard === 'verify-hs256') return a.verify(authorization?.slice(7) ?? '');
  return (await a.authenticate(req))?.claims;
}

/** Express middleware for `guard`; each leaves the claims on `req.auth`, as express-jwt does. */
export function expressGuard(guard: GuardName): RequestHandler {
  const alg = algOf(guard);
  if (guard === 'none') return (_req, _res, next) => next();
  if (guard.startsWith('floor')) {
    const later = guard.endsWith('-microtask');
    return (req, res, next) => {
      const user = floorUser(req.headers.authorization, alg);
      if (user === undefined) res.status(401).end();
      else {
        req.auth = user;
        if (later) queueMicrotask(next);
        else next();
      }
    };
  }
  if (guard === 'verify-hs256' || guard === 'authenticate-hs256') {
    const a = auth(guard);
    return (req, res, next) => {
      byHand(guard, a, req.headers.authorization, req).then(
        (claims) => {
          req.auth = claims as Record<string, unknown>;
          next();
        },
        () => res.status(401).end(),
      );
    };
  }
  if (guard.startsWith('peer')) return expressjwt(peerOptions(guard));
  return expressRequireAuth(auth(guard));
}

/** Koa middleware for `guard`; each leaves the claims on `ctx.state.user`, as koa-jwt does. */
export function koaGuard(guard: GuardName): Middleware {
  const alg = algOf(guard);
  if (guard === 'none') return (_ctx, next) => next();
  if (guard === 'floor-hs256-microtask') {
    return async (ctx, next) => {
      const user = floorUser(ctx.get('authorization') || undefined, alg);
      if (user === undefined) {
        ctx.status = 401;
        return;
      }
      ctx.state.user = user;
      await Promise.resolve();
      await next();
    };
  }
  if (guard.startsWith('floor')) {
    return (ctx, next) => {
      const user = floorUser(ctx.get('authorization') || undefined, alg);
      if (user === undefined) {
        ctx.status = 401;
        return undefined;
      }
      ctx.state.user = user;
      return next();
    };
  }
  if (guard === 'verify-hs256' || guard === 'authenticate-hs256') {
    const a = auth(guard);
    return async (ctx, next) => {
      try {
        ctx.state.user = await byHand(guard, a, ctx.get('authorization') || undefined, ctx.req);
      } catch {
        ctx.status = 401;
        return;
      }
      await next();
    };
  }
  if (guard.startsWith('peer')) return koaJwt(peerOptions(guard) as unknown as koaJwt.Options);
  return koaRequireAuth(auth(guard));
}

// @fastify/jwt declares `request.user` as jwt-gate/fastify does, each its own way: one program holds one of
// them, as an app does. The type checker never opens this one (the specifier is not a literal).
const FASTIFY_JWT: string = '@fastify/jwt';
type FastifyJwt = { default: FastifyPluginAsync<Record<string, unknown>> };

/**
 * Registers GET /<guard> on `app`, each in a scope of its own: @fastify/jwt decorates the request once per
 * scope, as jwtGate does. Each leaves the claims on `request.user`, as @fastify/jwt does.
 */
export function fastifyRoute(
  app: FastifyInstance,
  guard: GuardName,
  reply: (user: unknown) => unknown,
): void {
  const alg = algOf(guard);
  const route = (scope: FastifyInstance, onRequest?: RouteShorthandOptions['onRequest']) => {
    scope.get(`/${guard}`, onRequest ? { onRequest } : {}, async (request) => reply(request.user));
  };
  const setUser = (request: FastifyRequest, user: unknown) => {
    (request as { user?: unknown }).user = user;
  };
  void app.register(async (scope) => {
    if (guard === 'none') return route(scope);
    if (guard.startsWith('floor')) {
      const later = guard.endsWith('-microtask');
      return route(scope, async (request) => {
        const user = floorUser(request.headers.authorization, alg);
        if (user === undefined) throw Object.assign(new Error('unauthorized'), { statusCode: 401 });
        setUser(request, user);
        if (later) await Promise.resolve();
      });
    }
    if (guard === 'verify-hs256' || guard === 'authenticate-hs256') {
      const a = auth(guard);
      return route(scope, async (request) => {
        setUser(request, await byHand(guard, a, request.headers.authorization, request.raw));
      });
    }
    if (guard.startsWith('peer')) {
      // Its documented set-up: the secret as bytes (or a string), or the public key alone (verify only).
      const secret =
        guard === 'peer-hs256-string'
          ? SECRET
          : alg === 'HS256'
            ? Buffer.from(SECRET)
            : { public: PUBLIC_PEM };
      const { default: fastifyJwt } = (await import(FASTIFY_JWT)) as FastifyJwt;
      await scope.register(fastifyJwt, {
        secret,
        verify: { algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE },
      });
      return route(scope, async (request) => {
        await (request as unknown as { jwtVerify(): Promise<unknown> }).jwtVerify();
      });
    }
    await scope.register(jwtGate);
    return route(scope, fastifyRequireAuth(auth(guard)));
  });
}

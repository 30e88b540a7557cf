// Compile-time checks of the adapters' typing, enforced by `npm run typecheck`.
import type { RequestHandler } from 'express';
import Fastify, { type FastifyPluginCallback, type FastifyReply, type RouteHandlerMethod } from 'fastify';
import Koa from 'koa';
import { describe, expectTypeOf, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import * as forKoa from '../../adapters/koa.js';
import * as forFastify from '../../adapters/fastify.js';
import {
  createAuth,
  hs256,
  type Auth,
  type AuthError,
  type AuthErrorCode,
  type Authenticated,
  type Claims,
  type UnauthorizedError,
  type UnauthorizedErrorCode,
} from '../../src/index.js';
import type { User } from '../../examples/users.js';
import { SECRET } from '../helpers.js';

interface Member {
  id: string;
  admin: boolean;
}
const auth = createAuth({
  key: hs256(SECRET),
  user: (claims): Member => ({ id: claims.sub ?? '', admin: claims.role === 'admin' }),
});

describe('Express typing', () => {
  it('types req.user through Express.User, and req.authError; req.auth is the app’s own declaration', () => {
    expectTypeOf(forExpress.requireAuth(auth)).toEqualTypeOf<RequestHandler>();
    const handler: RequestHandler = (req) => {
      expectTypeOf(req.user).toEqualTypeOf<Express.User | undefined>();
      // Declared by test/support/express-request.d.ts, as docs/typing.md shows an app doing.
      expectTypeOf(req.auth).toEqualTypeOf<Claims | undefined>();
      expectTypeOf(req.authError).toEqualTypeOf<AuthError | undefined>();
    };
    expectTypeOf(handler).toBeFunction();
  });

  it('authOf types the session by the Auth it is given', () => {
    interface MyClaims extends Claims {
      tenant: string;
    }
    const typed = createAuth<Member, MyClaims>({
      key: hs256(SECRET),
      user: (claims) => ({ id: claims.tenant, admin: false }),
    });
    const handler: RequestHandler = (req) => {
      const session = forExpress.authOf(req, typed);
      expectTypeOf(session.user).toEqualTypeOf<Member>();
      expectTypeOf(session.claims.tenant).toEqualTypeOf<string>();
      expectTypeOf(forExpress.authOf(req, typed, { optional: true })).toEqualTypeOf<
        Authenticated<Member, MyClaims> | undefined
      >();
    };
    expectTypeOf(handler).toBeFunction();
  });

  it('a user mapper that may find nobody still types the user without undefined', () => {
    const users = new Map<string, Member>();
    const lookup = createAuth({ key: hs256(SECRET), user: (claims) => users.get(claims.sub ?? '') });
    expectTypeOf(lookup).toEqualTypeOf<Auth<Member>>();
    const handler: RequestHandler = (req) => {
      expectTypeOf(forExpress.authOf(req, lookup).user).toEqualTypeOf<Member>();
    };
    expectTypeOf(handler).toBeFunction();
  });

  it('getToken and requestId receive the framework’s own request: Express req, Koa ctx', () => {
    forExpress.requireAuth({
      key: hs256(SECRET),
      getToken: (req) => (typeof req.query.token === 'string' ? req.query.token : undefined),
      requestId: (req) => req.get('x-request-id'),
    });
    forKoa.requireAuth({
      key: hs256(SECRET),
      getToken: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Koa.Context>();
        return typeof ctx.request.query.token === 'string' ? ctx.request.query.token : ctx.throw(401);
      },
      requestId: (ctx) => ctx.get('x-request-id'),
    });
    const typed = createAuth({
      key: hs256(SECRET),
      getToken: (req: import('express').Request) => req.get('x-token'),
    });
    expectTypeOf(forExpress.requireAuth(typed)).toEqualTypeOf<RequestHandler>();
    // @ts-expect-error getToken is given Koa's Context, whose originalUrl is a string
    forKoa.requireAuth({ key: hs256(SECRET), getToken: (ctx) => ctx.originalUrl() });
  });

  it('withUser types req.user as the Auth’s users, with no `!`', () => {
    const handler = forExpress.withUser(auth, (req, res) => {
      expectTypeOf(req.user).toEqualTypeOf<Member>();
      res.json({ id: req.user.id });
    });
    expectTypeOf(handler).toEqualTypeOf<RequestHandler>();
    const claimsOnly = createAuth({ key: hs256(SECRET) });
    forExpress.withUser(claimsOnly, (req) => {
      expectTypeOf(req.user.sub).toEqualTypeOf<string | undefined>();
    });
  });

  it('errors: "express-jwt" and "koa-jwt" are guard options; UnauthorizedError carries both shapes', () => {
    forExpress.requireAuth(auth, { errors: 'express-jwt' });
    forKoa.requireAuth(auth, { errors: 'koa-jwt' });
    const seen = (err: UnauthorizedError): void => {
      expectTypeOf(err.code).toEqualTypeOf<UnauthorizedErrorCode>();
      expectTypeOf(err.cause.code).toEqualTypeOf<AuthErrorCode>();
      expectTypeOf(err.inner.message).toEqualTypeOf<string>();
      expectTypeOf(err.originalError).toEqualTypeOf<Error | undefined>();
    };
    expectTypeOf(seen).toBeFunction();
  });

  it('checks guard options against the claims type', () => {
    const wrong = (): void => {
      // @ts-expect-error roles is a list
      forExpress.requireAuth(auth, { roles: 'admin' });
      // @ts-expect-error errors is respond or forward
      forExpress.requireAuth(auth, { errors: 'throw' });
    };
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(forExpress.signIn<Member, Claims>).returns.resolves.toEqualTypeOf<string>();
    // signOut revokes in the store, so it must be awaited.
    expectTypeOf(forExpress.signOut<Member, Claims>).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(forExpress.refreshHandler(auth)).toEqualTypeOf<RequestHandler>();
    expectTypeOf(forExpress.jwksHandler(auth)).toEqualTypeOf<RequestHandler>();
  });
});

describe('Koa typing', () => {
  it('signOut is awaited, refreshHandler and jwksHandler are middleware', () => {
    expectTypeOf(forKoa.signOut<Member, Claims>).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(forKoa.refreshHandler(auth)).toEqualTypeOf<Koa.Middleware>();
    expectTypeOf(forKoa.jwksHandler(auth)).toEqualTypeOf<Koa.Middleware>();
  });

  it('types ctx.state.user from the Auth downstream of requireAuth', () => {
    const app = new Koa();
    app.use(forKoa.requireAuth(auth)).use((ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<Member>();
      expectTypeOf(ctx.state.auth).toEqualTypeOf<Claims>();
    });
    expectTypeOf(app).not.toBeAny();
  });

  it('types ctx.state.user in withUser when app.use calls are separate statements', () => {
    const app = new Koa();
    app.use(forKoa.requireAuth(auth));
    app.use((ctx) => {
      // Koa types the user of a separate app.use as `any`: the reason for withUser.
      expectTypeOf(ctx.state.user).toBeAny();
    });
    app.use(
      forKoa.withUser(auth, (ctx) => {
        expectTypeOf(ctx.state.user).toEqualTypeOf<Member>();
        ctx.body = ctx.state.user.id;
      }),
    );
    expectTypeOf(app).not.toBeAny();
  });

  it('types ctx.state.user as possibly undefined after optionalAuth', () => {
    const app = new Koa();
    app.use(forKoa.optionalAuth(auth)).use((ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<Member | undefined>();
      expectTypeOf(ctx.state.authError).toEqualTypeOf<AuthError | undefined>();
    });
    expectTypeOf(app).not.toBeAny();
  });
});

describe('Fastify typing', () => {
  it('a guard is an onRequest or preHandler hook, on a route or for a scope, whatever the route’s generics', () => {
    const app = Fastify();
    expectTypeOf(forFastify.jwtGate).toEqualTypeOf<FastifyPluginCallback>();
    void app.register(forFastify.jwtGate);
    expectTypeOf(forFastify.requireAuth(auth)).toEqualTypeOf<forFastify.AuthHook>();
    app.addHook('onRequest', forFastify.requireAuth(auth));
    app.addHook('preHandler', forFastify.optionalAuth(auth));
    app.post<{ Body: { note: string }; Reply: { saved: string } }>(
      '/notes',
      { onRequest: forFastify.requireAuth(auth), preHandler: [forFastify.optionalAuth(auth)] },
      async (request) => ({ saved: request.body.note }),
    );
    expectTypeOf(app).not.toBeAny();
  });

  it('types request.user through SessionUser, request.authError and request.auth; authOf by the Auth', () => {
    interface MyClaims extends Claims {
      tenant: string;
    }
    const typed = createAuth<Member, MyClaims>({
      key: hs256(SECRET),
      user: (claims) => ({ id: claims.tenant, admin: false }),
    });
    Fastify().get('/me', { onRequest: forFastify.requireAuth(typed) }, async (request) => {
      // SessionUser is declared by examples/fastify-app.ts, as docs/typing.md shows an app doing.
      expectTypeOf(request.user).toEqualTypeOf<forFastify.SessionUser | undefined>();
      expectTypeOf<forFastify.SessionUser>().toExtend<User>();
      expectTypeOf(request.authError).toEqualTypeOf<AuthError | undefined>();
      expectTypeOf(request.auth).toEqualTypeOf<Claims | undefined>();
      const session = forFastify.authOf(request, typed);
      expectTypeOf(session.user).toEqualTypeOf<Member>();
      expectTypeOf(session.claims.tenant).toEqualTypeOf<string>();
      expectTypeOf(forFastify.authOf(request, typed, { optional: true })).toEqualTypeOf<
        Authenticated<Member, MyClaims> | undefined
      >();
      return session.user.id;
    });
  });

  it('getToken receives the FastifyRequest; options, sign-in and handlers are typed', () => {
    forFastify.requireAuth({
      key: hs256(SECRET),
      getToken: (request) => (request.query as { token?: string }).token,
      requestId: (request) => request.id,
    });
    const wrong = (): void => {
      // @ts-expect-error a FastifyRequest's url is a string, not a function
      forFastify.requireAuth({ key: hs256(SECRET), getToken: (request) => request.url() });
      // @ts-expect-error roles is a list
      forFastify.requireAuth(auth, { roles: 'admin' });
      // @ts-expect-error errors is respond or forward
      forFastify.optionalAuth(auth, { errors: 'throw' });
      // @ts-expect-error express-jwt's error shape is for express-jwt's handlers
      forFastify.requireAuth(auth, { errors: 'express-jwt' });
    };
    expectTypeOf(wrong).toBeFunction();
    expectTypeOf(forFastify.signIn<Member, Claims>).returns.resolves.toEqualTypeOf<string>();
    expectTypeOf(forFastify.signOut<Member, Claims>).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(forFastify.refreshHandler(auth)).toEqualTypeOf<RouteHandlerMethod>();
  });

  it('withUser types request.user as the Auth’s users, with no `!`', () => {
    const handler = forFastify.withUser(auth, async (request, reply) => {
      expectTypeOf(request.user).toEqualTypeOf<Member>();
      expectTypeOf(reply).toEqualTypeOf<FastifyReply>();
      return { id: request.user.id };
    });
    expectTypeOf(handler).toEqualTypeOf<RouteHandlerMethod>();
    Fastify().get('/me', { onRequest: forFastify.requireAuth(auth) }, handler);
    const claimsOnly = createAuth({ key: hs256(SECRET) });
    forFastify.withUser(claimsOnly, (request) => {
      expectTypeOf(request.user.sub).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(forFastify.jwksHandler(auth)).toEqualTypeOf<RouteHandlerMethod>();
  });
});

import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa, { type Middleware } from 'koa';
import { connectBenchRedis } from '../redis.js';
import { GUARDS, LADDER, expressGuard, fastifyRoute, koaGuard, type GuardName } from './guards.js';

// The server of the HTTP benchmark, in its own process: `server.ts <express|koa|fastify> <guard,...>`.
// Each guard protects GET /<guard>, so the load generator can take turns between them in one
// warm process. It listens on 127.0.0.1 only, on a free port that it prints.
const framework = process.argv[2];
const guards = (process.argv[3] ?? '').split(',') as GuardName[];
const known = new Set([...GUARDS, ...LADDER]);
if (!['express', 'koa', 'fastify'].includes(framework ?? '') || !guards.every((g) => known.has(g))) {
  throw new TypeError(`usage: server.ts <express|koa|fastify> <${[...known].join('|')}>[,...]`);
}

await connectBenchRedis();

function expressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by').disable('etag');
  for (const guard of guards) {
    app.get(`/${guard}`, expressGuard(guard), (req, res) => {
      // jwt-gate, express-jwt and the floor all leave the claims on req.auth.
      const auth = req.auth as { sub?: unknown } | undefined;
      res.json({ sub: auth?.sub ?? 'anonymous' });
    });
  }
  return app;
}

function koaApp(): Koa {
  const app = new Koa();
  const routes = new Map<string, Middleware>(guards.map((g) => [`/${g}`, koaGuard(g)]));
  app.use((ctx, next) => {
    const guard = routes.get(ctx.path);
    if (guard === undefined) {
      ctx.status = 404;
      return undefined;
    }
    return guard(ctx, next);
  });
  app.use((ctx) => {
    const user = ctx.state.user as { sub?: unknown } | undefined;
    ctx.body = { sub: user?.sub ?? 'anonymous' };
  });
  return app;
}

async function fastifyApp(): Promise<RequestListener> {
  const app = Fastify();
  for (const guard of guards) {
    // jwt-gate and @fastify/jwt leave the claims on request.user.
    fastifyRoute(app, guard, (user) => ({
      sub: (user as { sub?: unknown } | undefined)?.sub ?? 'anonymous',
    }));
  }
  // The same plain Node server as the others: Fastify's router, without its own listen().
  await app.ready();
  return app.routing;
}

const server: Server = createServer(
  framework === 'express' ? expressApp() : framework === 'koa' ? koaApp().callback() : await fastifyApp(),
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));

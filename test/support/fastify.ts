// Fastify apps as the request listeners supertest takes, as Express apps and Koa's callback() are.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Hands each request to `app` once its plugins have loaded (Fastify routes nothing before). */
export function listenerOf(app: FastifyInstance): (req: IncomingMessage, res: ServerResponse) => void {
  const ready = Promise.resolve(app.ready()).then(() => app.routing);
  ready.catch(() => undefined);
  return (req, res) => {
    ready.then(
      (route) => route(req, res),
      (err: unknown) => res.destroy(err as Error),
    );
  };
}

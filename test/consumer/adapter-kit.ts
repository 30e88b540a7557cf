// A consumer of jwt-gate/adapter-kit: the guard of a framework of its own, on Node's request; see core.ts.
import type { IncomingMessage } from 'node:http';
import { createAuth, hs256, type Claims } from 'jwt-gate';
import { createGuard, jwksResponse, type GuardDecision } from 'jwt-gate/adapter-kit';

const auth = createAuth({ key: hs256('x'.repeat(32)) });
const guard = createGuard(auth, { roles: ['admin'], unless: { path: ['/health'] } }, 'required');

/** The status the framework would answer with, or 0 to go on to the handler. */
export async function decide(req: IncomingMessage): Promise<number> {
  const decision: GuardDecision<Claims, Claims> = await guard(req, { secure: true });
  switch (decision.kind) {
    case 'user':
    case 'anonymous':
      return 0;
    case 'preflight':
      return 204;
    case 'respond':
      return decision.http.status;
    case 'forward':
      return decision.error.status;
  }
}

export const published: string = jwksResponse(auth, { maxAge: 60 }).body;
// @ts-expect-error the mode is 'required' or 'optional'
createGuard(auth, {}, 'maybe');

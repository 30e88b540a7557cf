// A Koa consumer of the published package; see core.ts.
import Koa from 'koa';
import { createAuth, hs256 } from 'jwt-gate';
import { requireAuth, withUser } from 'jwt-gate/koa';

const auth = createAuth({ key: hs256('x'.repeat(32)), user: (claims) => ({ id: claims.sub ?? '' }) });

export const app = new Koa();
app.use(requireAuth(auth)).use((ctx) => {
  const id: string = ctx.state.user.id; // typed from the user mapper
  ctx.body = id;
});
app.use(
  withUser(auth, (ctx) => {
    const id: string = ctx.state.user.id; // typed in an app.use of its own too
    ctx.body = id;
  }),
);
// @ts-expect-error `errors` is 'respond', 'forward', 'express-jwt' or 'koa-jwt'
requireAuth(auth, { errors: 'throw' });

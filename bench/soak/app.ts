import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuth, hs256, isAuthError, redisStore, toHttpError } from 'jwt-gate';
import { refreshHandler, requireAuth, signIn, signOut } from 'jwt-gate/express';
import { connectClient, type ClientName } from './app-clients.js';
import type { Connection } from './topology.js';

// One app process of the soak, forked by apps.ts with its settings in SOAK_APP. It serves the routes of
// a cookie-and-refresh-token app on a loopback port it sends to its parent, and takes clock offsets from
// it (`{ clock: ms }`): its Auth's `now` is the injectable clock; the store keeps Redis's clock.

export interface AppSettings {
  readonly connection: Connection;
  readonly client: ClientName;
  readonly prefix: string;
  readonly secret: string;
  /** Seconds. */
  readonly expiresIn: number;
  readonly refreshExpiresIn: number;
  readonly clockTolerance: number;
  /** Merged into redisStore's options (e.g. an opt-in that docs/many-instances.md names). */
  readonly storeOptions: Record<string, unknown>;
  /** Merged into the client's options of docs/many-instances.md's row. */
  readonly clientOptions: Record<string, unknown>;
}

export type AppMessage = { readonly listening: number };
export type ParentMessage = { readonly clock: number };

function readSettings(): AppSettings {
  const settings = JSON.parse(process.env.SOAK_APP ?? 'null') as AppSettings | null;
  if (settings === null || process.send === undefined)
    throw new TypeError('soak: app.ts is forked by run.ts');
  return settings;
}
const settings = readSettings();

const client = await connectClient(settings.connection, settings.client, settings.clientOptions);
let offset = 0;
const auth = createAuth({
  key: hs256(settings.secret),
  store: redisStore({ client, prefix: settings.prefix, ...settings.storeOptions }),
  expiresIn: settings.expiresIn,
  clockTolerance: settings.clockTolerance,
  refresh: { expiresIn: settings.refreshExpiresIn },
  now: () => Date.now() + offset,
});
// The checker's view: every check asks Redis, by the true clock. Whether Redis holds a revocation for a
// token, read through the public API alone.
const held = createAuth({
  key: hs256(settings.secret),
  store: redisStore({ client, prefix: settings.prefix, nearCache: false }),
  clockTolerance: settings.clockTolerance,
  cache: false,
});

const app = express();
app.disable('x-powered-by').disable('etag');
app.use(express.json({ limit: '1kb' }));
app.post('/login', async (req, res) => {
  const sub = (req.body as { sub?: unknown } | undefined)?.sub;
  if (typeof sub !== 'string') return void res.status(400).json({ error: 'sub' });
  await signIn(res, auth, { sub });
  res.sendStatus(204);
});
app.get('/me', requireAuth(auth), (req, res) => {
  res.json({ sub: (req.user as { sub?: string } | undefined)?.sub });
});
app.post('/auth/refresh', refreshHandler(auth));
app.post('/auth/logout', async (_req, res) => {
  await signOut(res, auth);
  res.sendStatus(204);
});
app.post('/auth/logout-everywhere', async (_req, res) => {
  await signOut(res, auth, { everywhere: true });
  res.sendStatus(204);
});
// `?login=1`: whether Redis refuses the login as a whole (its sid, its subject's log-out-everywhere), for
// a refresh token or any token of the login: asked with a stand-in access token that has the same sub,
// sid and iat and a jti of its own, signed here (the soak's own secret), since a refresh token cannot be
// verified as an access token.
async function standIn(token: string): Promise<string> {
  const { sub, sid, iat } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    sub: string;
    sid: string;
    iat: number;
  };
  const signer = createAuth({ key: hs256(settings.secret), store: false, now: () => iat * 1000 });
  return signer.issue({ sub, sid }, { expiresIn: settings.refreshExpiresIn });
}
app.get('/_soak/held', async (req, res) => {
  const presented = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
  try {
    await held.verify(req.query.login === '1' ? await standIn(presented) : presented);
    res.json({ held: false });
  } catch (err) {
    if (!isAuthError(err)) throw err;
    if (err.code === 'ERR_TOKEN_REVOKED') return void res.json({ held: true });
    const { status, body } = toHttpError(err, held.realm);
    res.status(status).json(body);
  }
});
app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (!isAuthError(err)) {
    // A 500 is a finding of the soak: say what it was.
    process.stderr.write(`soak app: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return void res.status(500).json({ error: 'internal' });
  }
  const { status, headers, body } = toHttpError(err, auth.realm);
  res.status(status).set(headers).json(body);
});

process.on('message', (message: ParentMessage) => {
  offset = message.clock;
});
// The parent gone (killed, or ended without stopping us): end too, never linger on a port.
process.on('disconnect', () => process.exit(0));
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ listening: (server.address() as AddressInfo).port } satisfies AppMessage);
});
server.keepAliveTimeout = 30_000;

// What an outage event says of its cause: the error's name, message and code, nothing else. ioredis
// hangs the command on its errors (`command: { name, args }`: the Lua script, keys naming the subject,
// the sid), Redis quotes an unknown command's first arguments in its reply, fetch chains a cause:
// none of it reaches onEvent, with either Redis client against a real redis-server.
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  isAuthError,
  jwks,
  redisStore,
  type Auth,
  type AuthEvent,
  type Claims,
} from '../src/index.js';
import { SECRET } from './helpers.js';
import { serve } from './support/servers.js';
import { SINGLE_KINDS, redisClients, type ClientKind } from './stores/redis-clients.js';
import { redisCluster, redisServer, runRedis, type RedisServer } from './stores/redis-server.js';

const SUBJECT = 'subject-5f2c9a';
const SID = 'sid-8d41e7';
// The login's own names, and the text of the store's scripts (what ioredis keeps of a command).
const LEAKS = [SUBJECT, SID, 'redis.call', 'KEYS[1]', 'ARGV'];

type Down = Extract<AuthEvent, { type: 'store-unavailable' | 'keys-unavailable' }>;

/** Everything an app could print of `error`: its JSON, its inspection with hidden members, its stack. */
function printed(error: unknown): string {
  const e = error as Error;
  return [JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true }), String(e.stack)].join(
    '\n',
  );
}

function expectBare(error: unknown, original: Error, jti: string): void {
  expect(error).toBeInstanceOf(Error);
  expect(Object.keys(error as object).sort()).toEqual(
    'code' in (error as object) ? ['code', 'message', 'name'] : ['message', 'name'],
  );
  expect(error).not.toHaveProperty('command');
  expect(error).not.toHaveProperty('cause');
  expect(error).not.toHaveProperty('args');
  const text = printed(error);
  for (const leak of [...LEAKS, jti]) expect(text).not.toContain(leak);
  expect((error as Error).name).toBe(original.name);
}

/** A store on `server` through `kind`, its Auth, and what onEvent heard. */
async function setUp(server: RedisServer, kind: ClientKind) {
  const clients = redisClients({ server, cluster: redisCluster() });
  const client = await clients.connect(kind);
  const events: AuthEvent[] = [];
  const auth = createAuth({
    key: hs256(SECRET),
    store: redisStore({ client, prefix: `outage-${process.pid}:`, nearCache: false }),
    onEvent: (event) => void events.push(event),
  });
  // Quiet: a node-redis client with no error listener throws its socket errors.
  (client as unknown as { on(event: 'error', listener: () => void): unknown }).on('error', () => undefined);
  const token = await auth.issue({ sub: SUBJECT, sid: SID });
  // Read without the store, which may already refuse every command.
  const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Claims;
  const down = (): Down => {
    const found = events.filter((e): e is Down => e.type === 'store-unavailable');
    expect(found).toHaveLength(1);
    return found[0] as Down;
  };
  return { auth, token, claims, jti: claims.jti as string, down, close: () => clients.closeAll() };
}

/** Signs out the login of `claims` everywhere: writes for its jti, its sid and its subject, all refused here. */
async function signOutFails(auth: Auth, claims: Claims): Promise<Error> {
  const ended = auth.endSession({ headers: {} }, { everywhere: true, claims });
  const err = await ended.revoked.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAuthError(err) || err.code !== 'ERR_STORE_UNAVAILABLE')
    throw new Error(`expected a 503, got ${String(err)}`);
  return err.cause as Error;
}

describe.runIf(runRedis)('store-unavailable: the error without the command', () => {
  // maxmemory 1 with noeviction (Redis's default policy): every script that may write is refused.
  const full = redisServer();
  // A set-up that renamed commands away (as hardened ones do): Redis answers "unknown command", quoting
  // the first 128 characters of the arguments: MGET's keys, which name the subject; EVAL's script.
  const renamed = redisServer(undefined, ['--rename-command', 'HMGET', '', '--rename-command', 'EVAL', '']);
  const gone = redisServer();

  beforeAll(async () => {
    await Promise.all([full.start(), renamed.start(), gone.start()]);
    const admin = new Redis(full.port, '127.0.0.1');
    await admin.config('SET', 'maxmemory', '1');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    admin.disconnect();
  }, 30_000);
  afterAll(async () => {
    await Promise.all([full.stop(), renamed.stop(), gone.stop()]);
  });

  describe.each(SINGLE_KINDS)('%s', (kind) => {
    it('a write refused for memory (OOM): the reply, no command, no subject, no sid', async () => {
      const { auth, claims, jti, down, close } = await setUp(full, kind);
      try {
        const original = await signOutFails(auth, claims);
        const { error } = down();
        expectBare(error, original, jti);
        expect((error as Error).message).toBe(original.message);
        expect((error as Error).message).toMatch(/^OOM command not allowed/);
      } finally {
        await close();
      }
    });

    it('an unknown command: Redis quotes its arguments, the event keeps the reply up to them', async () => {
      const { auth, token, jti, down, close } = await setUp(renamed, kind);
      try {
        const err = await auth.verify(token).catch((e: unknown) => e);
        expect(isAuthError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
        const original = (err as Error).cause as Error;
        // The reply itself names the subject: it is there to leak.
        expect(original.message).toContain(SUBJECT);
        const { error } = down();
        expectBare(error, original, jti);
        expect((error as Error).message).toBe("ERR unknown command 'HMGET'");
      } finally {
        await close();
      }
    });

    it('an unknown command in a sign-out: the script Redis quotes is not kept either', async () => {
      const { auth, claims, jti, down, close } = await setUp(renamed, kind);
      try {
        const original = await signOutFails(auth, claims);
        expect(original.message).toContain('redis.call');
        const { error } = down();
        expectBare(error, original, jti);
        expect((error as Error).message).toBe("ERR unknown command 'EVAL'");
      } finally {
        await close();
      }
    });
  });

  it.each(SINGLE_KINDS)("a server that is gone, %s: the client's own message", async (kind) => {
    const { auth, token, jti, down, close } = await setUp(gone, kind);
    try {
      await gone.stop();
      const err = await auth.verify(token).catch((e: unknown) => e);
      expect(isAuthError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
      const original = (err as Error).cause as Error;
      const { error } = down();
      expectBare(error, original, jti);
      expect((error as Error).message).toBe(original.message);
      expect((error as Error).message).not.toBe('');
    } finally {
      await close();
      await gone.start();
    }
  });
});

describe('keys-unavailable: the fetch error without its cause', () => {
  it("a refused connection: name, message and the cause's code", async () => {
    const server = await serve((_req, res) => res.end());
    const url = `${server.url}?tenant=${SUBJECT}`;
    await server.close();
    const events: AuthEvent[] = [];
    const auth = createAuth({ key: jwks({ url }), onEvent: (event) => void events.push(event) });
    const err = await auth
      .verify('eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1In0.c2ln')
      .catch((e: unknown) => e);
    expect(isAuthError(err) && err.code).toBe('ERR_KEYS_UNAVAILABLE');
    const down = events.find((e): e is Down => e.type === 'keys-unavailable');
    expect(JSON.parse(JSON.stringify(down?.error))).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      code: 'ECONNREFUSED',
    });
    expect(down?.error).not.toHaveProperty('cause');
    expect(printed(down?.error)).not.toContain(SUBJECT);
    expect(printed(down?.error)).not.toContain('127.0.0.1');
  });
});

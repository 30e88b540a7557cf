// The near cache in front of Redis: a known token costs no round trip, a revocation made by another
// process is seen within the staleness bound, and when the revocation log cannot be read the process
// asks Redis per request again: never a window in which a revoked token passes beyond the bound.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type RedisStore, type RedisStoreOptions } from '../../src/index.js';
import { NearCache, type Read } from '../../src/stores/near-cache.js';
import { RevocationLog } from '../../src/stores/revocation-log.js';
import { SECRET } from '../helpers.js';
import {
  CLUSTER_KINDS,
  DEFAULT_KINDS,
  SENTINEL_KINDS,
  SINGLE_KINDS,
  intercept,
  redisClients,
  type ClientKind,
  type StoreClient,
} from './redis-clients.js';
import {
  redisAvailable,
  redisSentinel,
  runRedis,
  sharedRedisCluster,
  sharedRedisServer,
  upFor,
} from './redis-server.js';

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
// No environment variable names a Sentinel: the tests start their own wherever redis-server is.
const sentinel = redisSentinel();
const runSentinel = redisAvailable || Boolean(process.env.CI);
const clients = redisClients({ server, cluster, sentinel });
const stores: RedisStore[] = [];
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
  if (runSentinel) await sentinel.start();
  // A near cache keeps nothing from a log whose server has been up less than a hold (20 s).
  if (runRedis)
    await upFor(
      [
        server.port,
        ...cluster.nodes.map((node) => node.port),
        ...(runSentinel ? sentinel.servers.map((s) => s.port) : []),
      ],
      20,
    );
}, 60_000);
afterAll(async () => {
  for (const store of stores) store.close();
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
  if (runSentinel) await sentinel.stop();
});

let prefixes = 0;
const run = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `near-${process.pid}-${run}-${++prefixes}:`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of `inner`'s shape that counts commands and can hold the log reads. */
function watched(
  inner: StoreClient,
  kind: ClientKind,
): { client: StoreClient; reads: () => number; commands: () => number; hold: (on: boolean) => void } {
  let reads = 0;
  let commands = 0;
  let held: (() => void)[] | undefined;
  const client = intercept(inner, kind, async (args) => {
    const name = (args[0] ?? '').toUpperCase();
    // A status is one HMGET (and one MGET of the keys 0.1 wrote), or a GET an id without a subject;
    // the log is read by a script of its own.
    const logRead = name === 'EVAL' && (args[1] ?? '').includes("'XRANGE'");
    // A look-up: the subject's hash, or the GET of an id without a subject (not of a key 0.1 wrote).
    if (name === 'HMGET' || (name === 'GET' && !(args[1] ?? '').includes('{sub:'))) reads++;
    if (!logRead) commands++;
    else if (held !== undefined) await new Promise<void>((resolve) => held?.push(resolve));
  });
  return {
    client,
    /** The look-ups sent (HMGET, GET). */
    reads: () => reads,
    /** Every command sent but the reads of the log, which run on their own timer, not per request. */
    commands: () => commands,
    hold(on) {
      if (on) held ??= [];
      else {
        const waiting = held ?? [];
        held = undefined;
        for (const release of waiting) release();
      }
    },
  };
}

// Every client, version and protocol: the log's replies differ in shape between them.
const kinds: readonly ClientKind[] = [
  ...SINGLE_KINDS,
  ...CLUSTER_KINDS,
  ...(runSentinel ? SENTINEL_KINDS : []),
];

describe.runIf(runRedis).each(kinds)('%s', (kind) => {
  const make = (client: StoreClient, prefix: string, extra: Partial<RedisStoreOptions> = {}): RedisStore => {
    const store = redisStore({ client, prefix, ...extra });
    stores.push(store);
    // Reading the log stops with the test that needed it.
    onTestFinished(() => store.close());
    return store;
  };

  it('a token seen once is answered from the near cache: no round trip, and no promise to wait on', async () => {
    const w = watched(await clients.connect(kind), kind);
    // A wide bound, so that a busy machine delaying a read of the log cannot send a request to Redis here.
    const auth = createAuth({
      key: hs256(SECRET),
      store: make(w.client, freshPrefix(), { nearCache: { staleness: 5000 } }),
    });
    const token = await auth.issue({ sub: 'user-1' });
    // The first request starts the log's reader, which starts from an empty cache; a later one fills it.
    for (let tries = 0; tries < 40; tries++) {
      const reads = w.reads();
      await auth.verify(token);
      if (tries > 0 && w.reads() === reads) break;
      await sleep(50);
    }
    const before = w.reads();
    for (let i = 0; i < 50; i++) await auth.verify(token);
    expect(w.reads() - before).toBe(0);
    let settled = false;
    void auth.verify(token).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(true);
  });

  it('the log keeps the cache trusted while others sign out: 50 verifications of a known token cost no command', async () => {
    const prefix = freshPrefix();
    const a = createAuth({ key: hs256(SECRET), store: make(await clients.connect(kind), prefix) });
    const w = watched(await clients.connect(kind), kind);
    // The default bound (100 ms): past it the cache is trusted only while the reads of the log succeed.
    const b = createAuth({ key: hs256(SECRET), store: make(w.client, prefix) });
    const token = await b.issue({ sub: 'user-1' });
    // Once a verification costs nothing, B follows the log from its end.
    for (let tries = 0; tries < 40; tries++) {
      const before = w.commands();
      await b.verify(token);
      if (tries > 0 && w.commands() === before) break;
      await sleep(20);
    }
    // Another user signs out on A: entries in the log that B has to read.
    const other = await a.startSession({ sub: 'user-2' });
    await a.endSession({ headers: {} }, { claims: await a.verify(other.token) }).revoked;
    const deadline = performance.now() + 5000;
    // Three times the bound: a B that cannot read those entries trusts its cache no more.
    await sleep(300);
    const costs: number[] = [];
    // Bounded retries: on a busy machine a read of the log may come late now and then.
    do {
      const before = w.commands();
      for (let i = 0; i < 50; i++) await b.verify(token);
      costs.push(w.commands() - before);
    } while (costs.at(-1) !== 0 && performance.now() < deadline && (await sleep(20), true));
    expect(costs.at(-1), `commands per 50 verifications, in ${costs.length} rounds`).toBe(0);
    await expect(b.verify(other.token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it.each(['sign-out', 'log out everywhere', 'one login ended from “Your sessions”'] as const)(
    '%s on instance A: instance B refuses the token within the staleness bound (100 ms)',
    async (what) => {
      const prefix = freshPrefix();
      const a = createAuth({ key: hs256(SECRET), store: make(await clients.connect(kind), prefix) });
      const b = createAuth({ key: hs256(SECRET), store: make(await clients.connect(kind), prefix) });
      const { token } = await a.startSession({ sub: 'user-1' });
      const claims = await b.verify(token);
      await sleep(120);
      await b.verify(token);
      let lastAccepted = -Infinity;
      let firstRefused = Infinity;
      const watching = (async () => {
        for (const end = performance.now() + 400; performance.now() < end; await sleep(2)) {
          const ok = await b.verify(token).then(
            () => true,
            () => false,
          );
          if (ok) lastAccepted = performance.now();
          else firstRefused = Math.min(firstRefused, performance.now());
        }
      })();
      await sleep(20);
      const started = performance.now();
      if (what === 'sign-out') await a.endSession({ headers: {} }, { claims }).revoked;
      else if (what === 'log out everywhere') await a.revokeSubject('user-1');
      else expect(await a.endLogin('user-1', claims.sid as string)).toBe(true);
      const done = performance.now();
      await watching;
      // The bound holds by construction: B trusts its cache only while its last read of the log is under 100 ms old.
      expect(lastAccepted - done).toBeLessThanOrEqual(100);
      expect(firstRefused).toBeGreaterThanOrEqual(started);
      console.info(
        `${kind}, ${what}: B refused the token ${(firstRefused - done).toFixed(1)} ms after A's revocation returned`,
      );
    },
  );

  it('while the log cannot be read, B asks Redis on every request, and refuses a revocation at once', async () => {
    const prefix = freshPrefix();
    const a = createAuth({ key: hs256(SECRET), store: make(await clients.connect(kind), prefix) });
    const w = watched(await clients.connect(kind), kind);
    const b = createAuth({ key: hs256(SECRET), store: make(w.client, prefix) });
    const { token } = await a.startSession({ sub: 'user-1' });
    const claims = await b.verify(token);
    await sleep(120);
    w.hold(true);
    await sleep(150);
    const before = w.reads();
    await b.verify(token);
    expect(w.reads() - before).toBe(1);
    await a.endSession({ headers: {} }, { claims }).revoked;
    await expect(b.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    w.hold(false);
  });

  // About signing, not the log's replies: each library at its default is enough.
  it.runIf((DEFAULT_KINDS as readonly ClientKind[]).includes(kind))(
    'a refresh right after log out everywhere on another instance is refused: signing checks Redis itself',
    async () => {
      const prefix = freshPrefix();
      const options = { key: hs256(SECRET), refresh: { expiresIn: '30d' } } as const;
      const a = createAuth({ ...options, store: make(await clients.connect(kind), prefix) });
      const b = createAuth({ ...options, store: make(await clients.connect(kind), prefix) });
      const started = await a.startSession({ sub: 'user-1' });
      const refresh = started.cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
      await b.verify(started.token);
      await a.revokeSubject('user-1');
      await expect(b.refresh({ headers: { cookie: refresh } })).rejects.toMatchObject({
        code: 'ERR_TOKEN_REVOKED',
      });
    },
  );
});

const read = (revoked: boolean[], notBefore?: number, generation?: number): Read => ({
  revoked,
  notBefore,
  generation,
  floor: undefined,
});

describe('NearCache', () => {
  it('keeps nothing read while its subject is on hold: a write announced by the log may not have landed', () => {
    const cache = new NearCache(100, 30_000, 1000);
    cache.fill(['jti:a'], 'user-1', read([false]), cache.epoch, 0);
    expect(cache.lookup(['jti:a'], 'user-1', 0, 1)).toEqual({ revoked: false, notBefore: undefined });
    cache.apply({ kind: 'revoke', id: 'sid:b', sub: 'user-1', until: Infinity }, 10);
    // What the entry revokes is refused at once; the rest of the subject goes to Redis.
    expect(cache.lookup(['jti:a', 'sid:b'], 'user-1', 0, 20)).toMatchObject({ revoked: true });
    expect(cache.lookup(['jti:a'], 'user-1', 0, 20)).toBeUndefined();
    // Redis, asked before the write landed, says "not revoked": that answer is not kept.
    cache.fill(['jti:a', 'sid:b'], 'user-1', read([false, false]), cache.epoch, 30);
    expect(cache.lookup(['jti:a', 'sid:b'], 'user-1', 0, 40)).toMatchObject({ revoked: true });
    expect(cache.lookup(['jti:a', 'sid:x'], 'user-1', 0, 40)).toBeUndefined();
    // Another subject is not held.
    cache.fill(['jti:c'], 'user-2', read([false]), cache.epoch, 40);
    expect(cache.lookup(['jti:c'], 'user-2', 0, 50)).toEqual({ revoked: false, notBefore: undefined });
    // Once the hold is over, what Redis says is kept again.
    cache.fill(['jti:a', 'sid:b'], 'user-1', read([false, true]), cache.epoch, 1011);
    expect(cache.lookup(['jti:a', 'sid:b'], 'user-1', 0, 1020)).toMatchObject({ revoked: true });
    expect(cache.lookup(['jti:a'], 'user-1', 0, 1020)).toEqual({ revoked: false, notBefore: undefined });
  });

  it('a subject change (log out everywhere, a spent refresh token) holds the whole subject', () => {
    const cache = new NearCache(100, 30_000, 1000);
    cache.fill(['jti:a'], 'user-1', read([false]), cache.epoch, 0);
    cache.apply({ kind: 'subject', sub: 'user-1' }, 10);
    expect(cache.lookup(['jti:a'], 'user-1', 0, 20)).toBeUndefined();
    cache.fill(['jti:a'], 'user-1', read([false], 5, 1), cache.epoch, 30);
    expect(cache.lookup(['jti:a'], 'user-1', 0, 40)).toBeUndefined();
  });

  it('an id without a subject is held by itself', () => {
    const cache = new NearCache(100, 30_000, 1000);
    cache.fill(['jti:a', 'jti:b'], undefined, read([false, false]), cache.epoch, 0);
    cache.apply({ kind: 'revoke', id: 'jti:a', sub: undefined, until: 100 }, 10);
    expect(cache.lookup(['jti:a'], undefined, 99, 20)).toMatchObject({ revoked: true });
    expect(cache.lookup(['jti:a'], undefined, 100, 20)).toBeUndefined();
    expect(cache.lookup(['jti:b'], undefined, 0, 20)).toEqual({ revoked: false, notBefore: undefined });
  });

  it('does not keep an answer read before everything was forgotten', () => {
    const cache = new NearCache(100, 30_000, 1000);
    const epoch = cache.epoch;
    cache.clear();
    cache.fill(['jti:a'], 'user-1', read([false]), epoch, 0);
    expect(cache.lookup(['jti:a'], 'user-1', 0, 1)).toBeUndefined();
  });

  it('more holds than max: answers nothing and keeps nothing for a hold’s time, rather than drop one', () => {
    const cache = new NearCache(2, 30_000, 1000);
    cache.fill(['jti:x'], 'user-9', read([false]), cache.epoch, 0);
    for (const sub of ['user-1', 'user-2', 'user-3']) cache.apply({ kind: 'subject', sub }, 10);
    expect(cache.lookup(['jti:x'], 'user-9', 0, 20)).toBeUndefined();
    cache.fill(['jti:x'], 'user-9', read([false]), cache.epoch, 30);
    expect(cache.lookup(['jti:x'], 'user-9', 0, 40)).toBeUndefined();
    cache.fill(['jti:x'], 'user-9', read([false]), cache.epoch, 1011);
    expect(cache.lookup(['jti:x'], 'user-9', 0, 1020)).toEqual({ revoked: false, notBefore: undefined });
  });

  it('answers only when every id is known, forgets what it read after maxAge, and stays within max', () => {
    const cache = new NearCache(4, 1000, 1000);
    cache.fill(['jti:a', 'sid:s'], 'user-1', read([false, true], 5), cache.epoch, 0);
    expect(cache.lookup(['jti:a', 'sid:s'], 'user-1', 0, 10)).toEqual({ revoked: true, notBefore: 5 });
    expect(cache.lookup(['jti:a', 'sid:other'], 'user-1', 0, 10)).toBeUndefined();
    expect(cache.lookup(['jti:a'], 'user-1', 0, 1000)).toBeUndefined();
    cache.fill(['jti:x', 'jti:y'], 'user-2', read([false, false]), cache.epoch, 0);
    expect(cache.lookup(['jti:a'], 'user-1', 0, 10)).toBeUndefined();
    expect(cache.lookup(['jti:x'], 'user-2', 0, 10)).toEqual({ revoked: false, notBefore: undefined });
  });
});

describe('RevocationLog', () => {
  it('a store closed while a read of the log is in flight never trusts its cache again', async () => {
    const pending: ((reply: unknown) => void)[] = [];
    const send = (): Promise<unknown> => new Promise((resolve) => pending.push(resolve));
    const log = new RevocationLog(send, 'jwt-gate:{log}', new NearCache(100, 30_000, 1000), 100);
    expect(log.current(performance.now())).toBe(false);
    while (pending.length === 0) await sleep(1);
    log.close();
    // The read sent before close() answers after it: revocations made from now on are never read.
    pending[0]?.([]);
    await sleep(5);
    expect(log.current(performance.now())).toBe(false);
  });
});

// The near cache's promise, attacked: a revocation written by one process is refused by every other
// within `staleness`, whatever order Redis carries out the write and its log entry in, however many
// subjects a process has seen, and however the log reads.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAuth, hs256, redisStore, type Auth, type RedisStore } from '../../src/index.js';
import { NearCache, type Read } from '../../src/stores/near-cache.js';
import { SECRET } from '../helpers.js';
import {
  CLUSTER_KINDS,
  DEFAULT_KINDS,
  redisClients,
  type ClientKind,
  type StoreClient,
} from './redis-clients.js';
import { runRedis, sharedRedisCluster, sharedRedisServer, upFor } from './redis-server.js';

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
const clients = redisClients({ server, cluster });
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
  // A near cache keeps nothing from a log whose server has been up less than a hold (20 s).
  if (runRedis) await upFor([server.port, ...cluster.nodes.map((node) => node.port)], 20);
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
});

let prefixes = 0;
const run = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `near-attack-${process.pid}-${run}-${++prefixes}:`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client of the same shape as `inner` whose revocation writes (a script on a subject's or an id's
 * key, not the log's) reach Redis `ms` later than the commands sent beside them: what a Cluster does
 * when the subject's node is slower than the log's, or a node-redis Sentinel pool with two connections.
 */
function slowWrites(inner: StoreClient, kind: ClientKind, ms: number): StoreClient {
  const late = (args: readonly string[]): boolean =>
    (args[0] ?? '').toUpperCase() === 'EVAL' && !(args[3] ?? '').endsWith('{log}');
  const call = async (args: string[], send: () => Promise<unknown>): Promise<unknown> => {
    if (late(args)) await sleep(ms);
    return send();
  };
  if ('call' in inner)
    return {
      call: (name: string, ...rest: string[]) => call([name, ...rest], () => inner.call(name, ...rest)),
    };
  if ((CLUSTER_KINDS as readonly string[]).includes(kind)) {
    const nodes = inner as {
      sendCommand(k: string | undefined, r: boolean | undefined, a: string[]): Promise<unknown>;
    };
    return {
      masters: [],
      sendCommand: (k: string | undefined, r: boolean | undefined, a: string[]) =>
        call(a, () => nodes.sendCommand(k, r, a)),
    };
  }
  const single = inner as { sendCommand(a: string[]): Promise<unknown> };
  return { sendCommand: (a: string[]) => call(a, () => single.sendCommand(a)) };
}

describe.runIf(runRedis).each(DEFAULT_KINDS)('%s', (kind) => {
  const open = (client: StoreClient, prefix: string): RedisStore => {
    const store = redisStore({ client, prefix });
    onTestFinished(() => store.close());
    return store;
  };

  it.each(['sign-out', 'log out everywhere'] as const)(
    '%s on B whose write lands after its log entry: A, which read the subject in between, refuses the token within the bound',
    async (what) => {
      const prefix = freshPrefix();
      const a = createAuth({ key: hs256(SECRET), store: open(await clients.connect(kind), prefix) });
      const b = createAuth({
        key: hs256(SECRET),
        store: open(slowWrites(await clients.connect(kind), kind, 300), prefix),
      });
      const token = await a.issue({ sub: 'user-1' });
      const claims = await b.verify(token);
      // A reads the log (asked about another user), and has not seen user-1 yet.
      await a.verify(await a.issue({ sub: 'someone-else' }));
      await sleep(150);
      const revoking =
        what === 'sign-out' ? b.endSession({ headers: {} }, { claims }).revoked : b.revokeSubject('user-1');
      // A reads the log entry (about a subject it does not know), then asks Redis before the write lands.
      await sleep(100);
      await a.verify(token).catch(() => undefined);
      await revoking;
      await sleep(150);
      await expect(a.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    },
  );

  it('after close(), B asks Redis on every request: a revocation on A is refused at once', async () => {
    const prefix = freshPrefix();
    const a = createAuth({ key: hs256(SECRET), store: open(await clients.connect(kind), prefix) });
    const bStore = open(await clients.connect(kind), prefix);
    const b = createAuth({ key: hs256(SECRET), store: bStore });
    const token = await a.issue({ sub: 'user-1' });
    for (let i = 0; i < 5; i++, await sleep(60)) await b.verify(token);
    bStore.close();
    await a.revoke(await a.verify(token));
    await expect(b.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it('a log entry this version cannot read (another version’s, a hand-made one) makes B ask Redis again', async () => {
    const prefix = freshPrefix();
    const raw = await clients.connect(kind);
    const bStore = open(raw, prefix);
    const b = createAuth({ key: hs256(SECRET), store: bStore });
    const a: Auth = createAuth({
      key: hs256(SECRET),
      store: redisStore({ client: await clients.connect(kind), prefix, nearCache: false }),
    });
    const token = await a.issue({ sub: 'user-1' });
    for (let i = 0; i < 5; i++, await sleep(60)) await b.verify(token);
    // A writer that revokes without telling the log in a way B can read: the key, and an entry of a kind B does not know.
    const claims = await a.verify(token);
    await a.revoke(claims);
    const log = `${prefix}{log}`;
    const fields = ['XADD', log, '*', 'k', 'r2', 'id', `jti:${claims.jti as string}`];
    if ('call' in raw) await raw.call(fields[0]!, ...fields.slice(1));
    else if ((CLUSTER_KINDS as readonly string[]).includes(kind))
      await (raw as { sendCommand(k: string, r: boolean, a: string[]): Promise<unknown> }).sendCommand(
        log,
        false,
        fields,
      );
    else await (raw as { sendCommand(a: string[]): Promise<unknown> }).sendCommand(fields);
    await sleep(150);
    await expect(b.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

describe.runIf(runRedis)('clocks of two instances that disagree', () => {
  it(
    // Ends are set in Redis's clock (EXAT): an instance whose clock runs ahead cannot end a revocation early.
    'B’s clock runs 2 s ahead: a token B revoked is still refused by A until it expires',
    async () => {
      const prefix = freshPrefix();
      const client = await clients.connect('node-redis createClient');
      const ahead = (): number => Date.now() + 2000;
      const a = createAuth({ key: hs256(SECRET), store: redisStore({ client, prefix, nearCache: false }) });
      // B's own clock runs ahead; its store, as in production, leaves the end to Redis's clock.
      const b = createAuth({
        key: hs256(SECRET),
        now: ahead,
        store: redisStore({ client, prefix, nearCache: false }),
      });
      const token = await a.issue({ sub: 'user-1' }, { expiresIn: 4 });
      await b.revoke(await b.verify(token));
      await sleep(2500);
      // Still inside its lifetime by A's clock, which is right.
      await expect(a.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    },
  );
});

const read = (revoked: boolean[]): Read => ({
  revoked,
  notBefore: undefined,
  generation: undefined,
  floor: undefined,
});

describe('NearCache under many tokens', () => {
  it('one subject seen with token after token keeps what fits in max: the count is of ids, not of reads', () => {
    const cache = new NearCache(10, 30_000, 1000);
    // Eight tokens of one user, read one by one: nine entries (the subject and eight ids), within max.
    for (let i = 0; i < 8; i++) cache.fill([`jti:${i}`], 'user-1', read([i === 3]), cache.epoch, 0);
    for (let i = 0; i < 8; i++)
      expect(cache.lookup([`jti:${i}`], 'user-1', 0, 1), `jti:${i}`).toEqual({
        revoked: i === 3,
        notBefore: undefined,
      });
  });

  it('a process that reads token after token of its users never ends up remembering nothing', () => {
    const cache = new NearCache(100, 30_000, 1000);
    for (let i = 0; i < 1000; i++) cache.fill([`jti:${i}`], `user-${i % 5}`, read([false]), cache.epoch, 0);
    // The last 50 tokens and their 5 subjects fit in 100 twice over; a subject goes whole when room is
    // needed, so some of them may be read again, but never most of them.
    let answered = 0;
    for (let i = 950; i < 1000; i++)
      if (cache.lookup([`jti:${i}`], `user-${i % 5}`, 0, 1) !== undefined) answered++;
    expect(answered).toBeGreaterThanOrEqual(25);
  });

  it('evicting subjects to stay within max never answers “not revoked” for a revoked id: it sends the caller to Redis', () => {
    const cache = new NearCache(6, 30_000, 1000);
    cache.fill(['jti:r'], 'victim', read([true]), cache.epoch, 0);
    for (let i = 0; i < 20; i++) cache.fill([`jti:${i}`], `user-${i}`, read([false]), cache.epoch, 0);
    cache.apply({ kind: 'revoke', id: 'jti:r2', sub: 'victim', until: Infinity }, 1);
    const answer = cache.lookup(['jti:r'], 'victim', 0, 1);
    expect(answer === undefined || answer.revoked).toBe(true);
    expect(cache.lookup(['jti:r2'], 'victim', 0, 1)).toMatchObject({ revoked: true });
  });
});

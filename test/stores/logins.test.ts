// The records of logins ("Your sessions") in every store: in memory, on one Redis and on a Redis Cluster.
// A record is written at sign-in with the subject's generation read in the same step, moved by a refresh
// or a renewal, and goes with its login: ended, revoked, cut by "log out everywhere" or past its end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore, redisStore, type SessionStore } from '../../src/index.js';
import { DEFAULT_KINDS, redisClients, type ClientKind } from './redis-clients.js';
import { runRedis, sharedRedisCluster, sharedRedisServer } from './redis-server.js';

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
const clients = redisClients({ server, cluster });
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
});

const run = Math.random().toString(36).slice(2, 8);
let prefixes = 0;

/** A store on a clock the test moves (seconds), holding at most `maxPerSubject` live logins a subject. */
type Make = (clock: { t: number }, maxPerSubject?: number) => Promise<SessionStore>;
const kinds: [string, Make][] = [
  [
    'memory',
    async (clock, maxPerSubject) =>
      memoryStore({ now: () => clock.t * 1000, ...(maxPerSubject === undefined ? {} : { maxPerSubject }) }),
  ],
  ...(runRedis
    ? DEFAULT_KINDS.map((kind: ClientKind): [string, Make] => [
        `redis: ${kind}`,
        async (clock, maxPerSubject) =>
          redisStore({
            client: await clients.connect(kind),
            prefix: `logins-${process.pid}-${run}-${++prefixes}:`,
            now: () => clock.t * 1000,
            nearCache: false,
            ...(maxPerSubject === undefined ? {} : { maxPerSubject }),
          }),
      ])
    : []),
];

const T0 = Math.floor(Date.now() / 1000);
const login = (id: string, at: number, meta: Record<string, string> = {}, end = at + 3600) => ({
  id: `${id}-0123456789abcdef`,
  end,
  until: end + 10,
  at,
  meta,
});
const sidOf = (id: string, end: number, generation: number): string =>
  `${id}-0123456789abcdef.${end}.${generation}`;

describe.each(kinds)('%s', (_name, make) => {
  it('records a login under the sid of the generation it read, with its times and meta', async () => {
    const clock = { t: T0 };
    const store = await make(clock);
    const meta = { label: 'Laptop', userAgent: 'Mozilla/5.0 (X11; Linux) ünï 🙂 "quoted" a:b:c' };
    expect(await store.addLogin!('user-1', login('a', T0, meta))).toMatchObject({ generation: 0 });
    clock.t += 5;
    expect(await store.logins!('user-1')).toEqual([
      { sid: sidOf('a', T0 + 3600, 0), signedInAt: T0, lastActiveAt: T0, meta },
    ]);
    expect(await store.logins!('user-2')).toEqual([]);
    // After a "log out everywhere" a login starts at the new generation, read in the same step.
    await store.revokeSubject('user-1', T0 + 6, Infinity);
    const { generation } = (await store.status([], 'user-1', { consistent: true })) as { generation: number };
    expect(generation).toBeGreaterThan(0);
    expect(await store.addLogin!('user-1', login('b', clock.t))).toMatchObject({ generation });
    // The cut ended the first login: it is off the list.
    expect((await store.logins!('user-1')).map((l) => l.sid)).toEqual([
      sidOf('b', clock.t + 3600, generation),
    ]);
  });

  it('a revocation of the login (sid:…) takes its record off the list; others stay', async () => {
    const clock = { t: T0 };
    const store = await make(clock);
    await store.addLogin!('user-1', login('a', T0));
    await store.addLogin!('user-1', login('b', T0));
    await store.revoke(`sid:${sidOf('a', T0 + 3600, 0)}`, T0 + 3610, 'user-1');
    // Another subject's revocation of the same sid touches nothing of user-1's.
    await store.revoke(`sid:${sidOf('b', T0 + 3600, 0)}`, T0 + 3610, 'user-2');
    expect((await store.logins!('user-1')).map((l) => l.sid)).toEqual([sidOf('b', T0 + 3600, 0)]);
  });

  it('touchLogin moves lastActiveAt forward only, and never brings back an ended record', async () => {
    const clock = { t: T0 };
    const store = await make(clock);
    await store.addLogin!('user-1', login('a', T0));
    const sid = sidOf('a', T0 + 3600, 0);
    clock.t += 60;
    await store.touchLogin!('user-1', sid, T0 + 60);
    await store.touchLogin!('user-1', sid, T0 + 30);
    expect(await store.logins!('user-1')).toMatchObject([{ sid, signedInAt: T0, lastActiveAt: T0 + 60 }]);
    await store.revoke(`sid:${sid}`, T0 + 3610, 'user-1');
    await store.touchLogin!('user-1', sid, T0 + 61);
    await store.touchLogin!('user-1', sidOf('never', T0 + 3600, 0), T0 + 61);
    expect(await store.logins!('user-1')).toEqual([]);
  });

  it('a login past its end is off the list', async () => {
    const clock = { t: T0 };
    const store = await make(clock);
    await store.addLogin!('user-1', login('short', T0, {}, T0 + 10));
    await store.addLogin!('user-1', login('long', T0, {}, T0 + 100));
    clock.t = T0 + 10;
    expect((await store.logins!('user-1')).map((l) => l.sid)).toEqual([sidOf('long', T0 + 100, 0)]);
  });

  it('past maxPerSubject live logins it writes nothing and names the idlest to end first', async () => {
    const clock = { t: T0 };
    const store = await make(clock, 3);
    await store.addLogin!('user-1', login('a', T0));
    await store.addLogin!('user-1', login('b', T0 + 1));
    await store.addLogin!('user-1', login('c', T0 + 2));
    // a is the oldest, but used since: b has been idle the longest.
    await store.touchLogin!('user-1', sidOf('a', T0 + 3600, 0), T0 + 3);
    expect(await store.addLogin!('user-1', login('d', T0 + 4))).toEqual({ full: [sidOf('b', T0 + 3601, 0)] });
    expect(await store.logins!('user-1')).toHaveLength(3);
    await store.revoke(`sid:${sidOf('b', T0 + 3601, 0)}`, T0 + 3611, 'user-1');
    expect(await store.addLogin!('user-1', login('d', T0 + 4))).toMatchObject({ generation: 0 });
    expect((await store.logins!('user-1')).map((l) => l.sid).sort()).toEqual(
      [sidOf('a', T0 + 3600, 0), sidOf('c', T0 + 3602, 0), sidOf('d', T0 + 3604, 0)].sort(),
    );
    // Full again: c is now the idlest.
    expect(await store.addLogin!('user-1', login('e', T0 + 5))).toEqual({ full: [sidOf('c', T0 + 3602, 0)] });
  });

  it('records never fold a subject: live logins are not revocations', async () => {
    const clock = { t: T0 };
    const store = await make(clock, 2);
    await store.addLogin!('user-1', login('a', T0));
    await store.addLogin!('user-1', login('b', T0));
    await store.revoke('jti:x', T0 + 60, 'user-1');
    await store.revoke('jti:y', T0 + 60, 'user-1');
    expect(await store.status([], 'user-1', { consistent: true })).toMatchObject({ revoked: false });
    expect((await store.status([], 'user-1', { consistent: true })).generation).toBeUndefined();
    expect(await store.logins!('user-1')).toHaveLength(2);
  });

  it('ending a login also drops its spent refresh steps: ending the idlest keeps the subject’s count', async () => {
    const clock = { t: T0 };
    const store = await make(clock, 2);
    const a = sidOf('a', T0 + 3600, 0);
    const b = sidOf('b', T0 + 3600, 0);
    await store.addLogin!('user-1', login('a', T0));
    await store.addLogin!('user-1', login('b', T0));
    expect(await store.useOnce(`rt:${a}`, T0 + 3610, 'user-1', 2)).toBe(true);
    expect(await store.useOnce(`rt:${b}`, T0 + 3610, 'user-1', 2)).toBe(true);
    // Both logins refresh, then one is ended: no fold, the other login lives on.
    await store.revoke(`sid:${a}`, T0 + 3610, 'user-1');
    const status = await store.status([`sid:${b}`], 'user-1', { consistent: true });
    expect(status).toMatchObject({ revoked: false });
    expect(status.generation).toBeUndefined();
    expect((await store.logins!('user-1')).map((l) => l.sid)).toEqual([b]);
    // The ended login stays refused, its refresh steps gone or not.
    expect((await store.status([`sid:${a}`], 'user-1', { consistent: true })).revoked).toBe(true);
  });

  it('keeps subjects apart and ids as data', async () => {
    const clock = { t: T0 };
    const store = await make(clock);
    for (const sub of ['{user-1}', 'user-1}:l', '__proto__', ''])
      await store.addLogin!(sub, login(`x${sub.length}`, T0, { sub }));
    for (const sub of ['{user-1}', 'user-1}:l', '__proto__', ''])
      expect(
        (await store.logins!(sub)).map((l) => l.meta),
        JSON.stringify(sub),
      ).toEqual([{ sub }]);
    expect(await store.logins!('constructor')).toEqual([]);
  });
});

// docs/many-instances.md's cost table comes from here: the commands Redis receives (MONITOR) for each step. On
// servers of its own, so that no other test's traffic (the near caches' reads of their logs) is seen.
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, hs256, redisStore } from '../../src/index.js';
import { variants } from '../adapters/apps.js';
import { SECRET } from '../helpers.js';
import {
  CLUSTER_KINDS,
  DEFAULT_KINDS,
  redisClients,
  type ClientKind,
  type StoreClient,
} from './redis-clients.js';
import { redisCluster, redisServer, runRedis, type RedisNode } from './redis-server.js';

const server = redisServer();
const cluster = redisCluster();
const clients = redisClients({ server, cluster });

interface Target {
  readonly name: ClientKind;
  readonly cluster: boolean;
  client: StoreClient;
  nodes: readonly RedisNode[];
}
const targets = DEFAULT_KINDS.map(
  (name) => ({ name, cluster: (CLUSTER_KINDS as readonly string[]).includes(name) }) as Target,
);

beforeAll(async () => {
  if (!runRedis) return;
  await Promise.all([server.start(), cluster.start()]);
  const url = new URL(server.url);
  for (const target of targets) {
    target.client = await clients.connect(target.name);
    target.nodes = target.cluster ? cluster.nodes : [{ host: url.hostname, port: Number(url.port) }];
  }
}, 60_000);
afterAll(async () => {
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
});

const run = Math.random().toString(36).slice(2, 8);
let prefixes = 0;
const freshPrefix = (): string => `costs-${process.pid}-${run}-${++prefixes}:`;
const cookie = (res: request.Response, name: string): string => {
  const found =
    (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${name}=`)) ?? '';
  return /^[^=]+=([^;]*)/.exec(found)![1]!;
};

describe.runIf(runRedis)('commands per step, as MONITOR sees them', () => {
  describe.each(targets)('$name', (target) => {
    const seen: { time: number; name: string }[] = [];
    const connections: Redis[] = [];
    let pokes: Redis[] = [];
    let prefix = '';
    let markers = 0;

    beforeAll(async () => {
      prefix = freshPrefix();
      for (const { host, port } of target.nodes) {
        // monitor() opens a second connection: close both.
        const base = new Redis(port, host);
        const monitor = await base.monitor();
        monitor.on('monitor', (time: string, args: string[], source: string) => {
          // Commands a script runs inside Redis cost no round trip: count the script only.
          if (source !== 'lua' && args.some((arg) => arg.includes(prefix))) {
            const name = String(args[0]).toUpperCase();
            // A script on the log's key appends an entry; any other is a write of state.
            const log = name === 'EVAL' && String(args[3]).endsWith('{log}');
            seen.push({ time: Number(time), name: log ? 'EVAL (log)' : name });
          }
        });
        connections.push(base, monitor);
      }
      pokes = target.nodes.map(({ host, port }) => new Redis(port, host));
      connections.push(...pokes);
    }, 30_000);
    afterAll(() => {
      for (const connection of connections) connection.disconnect();
    });

    /** The names of the commands `step` sent, in order. */
    async function commandsOf(step: () => Promise<unknown>): Promise<string[]> {
      seen.length = 0;
      await step();
      // MONITOR's feed may trail the replies: wait for a marker sent after the step on every node.
      const marker = `${prefix}marker-${++markers}`;
      await Promise.all(pokes.map((poke) => poke.call('ECHO', marker)));
      // Up to 5 s: on a busy machine the feed trailed by more than a second.
      for (let i = 0; i < 500 && seen.filter((entry) => entry.name === 'ECHO').length < pokes.length; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      if (seen.filter((entry) => entry.name === 'ECHO').length < pokes.length)
        throw new Error('MONITOR did not show the markers within 5 s');
      return seen
        .filter((entry) => entry.name !== 'ECHO')
        .sort((a, b) => a.time - b.time)
        .map((entry) => entry.name);
    }

    it('sign-in 1, a request 1, a refresh 4, sign-out 3, log out everywhere 3 round trips', async () => {
      const auth = createAuth({
        key: hs256(SECRET),
        store: redisStore({ client: target.client, prefix, nearCache: false }),
        refresh: { expiresIn: '30d' },
      });
      const app = variants[0]!.build(auth);
      // A look-up is the subject's hash and the keys 0.1 wrote (its not-before, then one an id), sent
      // together: one round trip.
      const lookUp = (ids: number): string[] => ['HMGET', 'GET', ...Array<string>(ids).fill('GET')];
      let login: request.Response | undefined;
      // The login's record, written with the generation it reads (an EVAL), beside the GET of the
      // "log out everywhere" 0.1 wrote.
      expect((await commandsOf(async () => (login = await request(app).post('/login')))).sort()).toEqual([
        'EVAL',
        'GET',
      ]);
      const access = `jwt=${cookie(login!, 'jwt')}`;
      expect(await commandsOf(() => request(app).get('/required').set('Cookie', access))).toEqual(lookUp(2));
      // The refresh token's own look-up; its log entry, then the atomic spend (beside a GET of the mark 0.1
      // would have made); a look-up of its login, for a sign-out that raced it, beside the move of its
      // record (an EVAL).
      const refresh = await commandsOf(() =>
        request(app)
          .post('/auth/refresh')
          .set('Cookie', `jwt-refresh=${cookie(login!, 'jwt-refresh')}`),
      );
      expect(refresh.slice(0, 7)).toEqual([...lookUp(2), 'GET', 'EVAL (log)', 'EVAL']);
      expect(refresh.slice(7).sort()).toEqual([...lookUp(1), 'EVAL'].sort());
      // The token's look-up, then its login's log entry, then the login (sid) revoked.
      expect(await commandsOf(() => request(app).post('/auth/logout').set('Cookie', access))).toEqual([
        ...lookUp(2),
        'EVAL (log)',
        'EVAL',
      ]);
      // Through commandsOf, so the sign-in's own commands are all seen before the next step counts.
      let second: request.Response | undefined;
      await commandsOf(async () => (second = await request(app).post('/login')));
      const again = `jwt=${cookie(second!, 'jwt')}`;
      // The login and the subject's cut, each its log entry then its write, side by side.
      const everywhere = await commandsOf(() =>
        request(app).post('/auth/logout-everywhere').set('Cookie', again),
      );
      expect(everywhere.slice(0, 4)).toEqual(lookUp(2));
      expect(everywhere.slice(4).sort()).toEqual(['EVAL', 'EVAL', 'EVAL (log)', 'EVAL (log)']);
      expect(everywhere.slice(4, 6)).toEqual(['EVAL (log)', 'EVAL (log)']);

      // A token without a subject shares no hash tag: one GET an id (jti and sid), sent together.
      const { token } = await auth.startSession({ role: 'service' });
      expect(
        await commandsOf(() => request(app).get('/required').set('Authorization', `Bearer ${token}`)),
      ).toEqual(['GET', 'GET']);
    });

    it('a renewal 2 round trips, as before logins had records; 20 requests 20 look-ups and no write', async () => {
      let clock = Date.now();
      const lookUp = ['HMGET', 'GET', 'GET', 'GET'];
      const auth = createAuth({
        key: hs256(SECRET),
        store: redisStore({ client: target.client, prefix, nearCache: false }),
        now: () => clock,
        renew: { maxAge: '12h' },
      });
      const app = variants[0]!.build(auth);
      let token = '';
      // Through commandsOf, so that its commands are all seen before the requests' are counted.
      await commandsOf(async () => {
        ({ token } = await auth.startSession({ sub: 'user-1' }, { meta: { userAgent: 'Browser/1.0' } }));
      });
      const requests = await commandsOf(async () => {
        for (let i = 0; i < 20; i++)
          expect((await request(app).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(200);
      });
      expect(requests).toEqual(Array.from({ length: 20 }, () => lookUp).flat());
      // Past half its life: the request's look-up, then the check after signing beside the record's move.
      clock += 31 * 60_000;
      const renewal = await commandsOf(async () => {
        const res = await request(app).get('/required').set('Cookie', `jwt=${token}`);
        expect(res.headers['set-cookie']).toBeDefined();
      });
      expect(renewal.slice(0, 4)).toEqual(lookUp);
      expect(renewal.slice(4).sort()).toEqual([...lookUp, 'EVAL'].sort());
    });
  });
});

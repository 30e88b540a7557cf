// "Your sessions": the logins of a user, listed and ended one by one, in memory, on one Redis and on a
// Redis Cluster. Attacked: another user's sid, malformed sids, a huge User-Agent, an expired login, and
// an end racing a refresh or a renewal of the same login.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  memoryStore,
  redisStore,
  type Auth,
  type AuthOptions,
  type SessionStore,
} from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { redisClients, type ClientKind } from '../stores/redis-clients.js';
import { runRedis, sharedRedisCluster, sharedRedisServer } from '../stores/redis-server.js';
import { payloadOf, valueOf } from '../support/sessions.js';

const server = sharedRedisServer();
const cluster = sharedRedisCluster();
const clients = redisClients({ server, cluster });
const closers: (() => void)[] = [];
beforeAll(async () => {
  if (runRedis) await Promise.all([server.start(), cluster.start()]);
}, 60_000);
afterAll(async () => {
  for (const close of closers) close();
  await clients.closeAll();
  if (runRedis) await Promise.all([server.stop(), cluster.stop()]);
});

const run = Math.random().toString(36).slice(2, 8);
let prefixes = 0;
type Make = (now: () => number, maxPerSubject?: number) => Promise<SessionStore>;
const redisKind = (kind: ClientKind): [string, Make] => [
  `redis: ${kind}`,
  async (now, maxPerSubject) => {
    const store = redisStore({
      client: await clients.connect(kind),
      prefix: `logins-core-${process.pid}-${run}-${++prefixes}:`,
      now,
      ...(maxPerSubject === undefined ? {} : { maxPerSubject }),
    });
    closers.push(() => store.close());
    return store;
  },
];
const kinds: [string, Make][] = [
  [
    'memory',
    async (now, maxPerSubject) =>
      memoryStore({ now, ...(maxPerSubject === undefined ? {} : { maxPerSubject }) }),
  ],
  ...(runRedis ? [redisKind('node-redis createClient'), redisKind('ioredis Cluster')] : []),
];

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A store of `make`, wrapped so a test can hold one of its calls until it lets it go. */
function holding(inner: SessionStore) {
  const gates = new Map<
    string,
    { reached: () => void; atGate: Promise<void>; gate: Promise<void>; release: () => void }
  >();
  const hold = (name: string) => {
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const entry = { reached, atGate, gate, release };
    gates.set(name, entry);
    return entry;
  };
  const after =
    <A extends unknown[], R>(name: string, call: (...args: A) => R | Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await call(...args);
      const gate = gates.get(name);
      if (gate !== undefined) {
        gates.delete(name);
        gate.reached();
        await gate.gate;
      }
      return result;
    };
  const before =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const gate = gates.get(name);
      if (gate !== undefined) {
        gates.delete(name);
        gate.reached();
        await gate.gate;
      }
      return call(...args);
    };
  const store: SessionStore = {
    revoke: (...args) => inner.revoke(...args),
    revokeSubject: (...args) => inner.revokeSubject(...args),
    status: (ids, sub, options) =>
      options?.consistent
        ? after('check', () => inner.status(ids, sub, options))()
        : inner.status(ids, sub, options),
    useOnce: after('spend', (...args: Parameters<SessionStore['useOnce']>) => inner.useOnce(...args)),
    addLogin: (...args) => inner.addLogin!(...args),
    touchLogin: before('touch', (...args: Parameters<NonNullable<SessionStore['touchLogin']>>) =>
      inner.touchLogin!(...args),
    ),
    logins: (...args) => inner.logins!(...args),
  };
  return { store, hold };
}

describe.each(kinds)('%s', (_name, make) => {
  // Time moves only when a test moves it.
  let base = Date.now();
  let offset = 0;
  const now = (): number => base + offset;
  const options = (store: SessionStore): AuthOptions => ({
    key: hs256(SECRET),
    store,
    now,
    expiresIn: '15m',
    refresh: { expiresIn: '30d' },
    renew: { maxAge: '12h' },
  });
  async function setUp(maxPerSubject?: number) {
    base = Date.now();
    offset = 0;
    const inner = await make(now, maxPerSubject);
    const { store, hold } = holding(inner);
    const auth = createAuth(options(store));
    return { auth, store, inner, hold };
  }
  const signIn = async (auth: Auth, sub: string, meta?: Record<string, string | undefined>) => {
    const { token, cookies } = await auth.startSession({ sub }, meta === undefined ? {} : { meta });
    const refresh = valueOf(cookies.find((c) => c.startsWith('jwt-refresh=')));
    return { token, refresh, sid: payloadOf(token).sid as string };
  };
  const accepted = (auth: Auth, token: string) =>
    auth.verify(token).then(
      () => true,
      () => false,
    );
  const refreshed = (auth: Auth, refresh: string) =>
    auth.refresh({ headers: { cookie: `jwt-refresh=${refresh}` } });
  const renewed = async (auth: Auth, token: string) => {
    const session = await auth.authenticate({ headers: { cookie: `jwt=${token}` } });
    return auth.renew(session!);
  };
  const sids = async (auth: Auth, sub: string) => (await auth.logins(sub)).map((login) => login.sid);

  it('a sign-in is listed with its times, its end and what the app attached; the current one marked', async () => {
    const { auth } = await setUp();
    const laptop = await signIn(auth, 'user-1', { label: 'Laptop', userAgent: UA, ignored: undefined });
    offset += 2000;
    const phone = await signIn(auth, 'user-1');
    await signIn(auth, 'user-2');
    const t = Math.floor(base / 1000);
    const list = await auth.logins('user-1', { current: laptop.sid });
    expect(list).toEqual([
      {
        sid: phone.sid,
        signedInAt: expect.any(Number),
        lastActiveAt: expect.any(Number),
        endsAt: Number(phone.sid.split('.')[1]),
        meta: {},
        current: false,
      },
      {
        sid: laptop.sid,
        signedInAt: expect.any(Number),
        lastActiveAt: expect.any(Number),
        endsAt: Number(laptop.sid.split('.')[1]),
        meta: { label: 'Laptop', userAgent: UA },
        current: true,
      },
    ]);
    const [newest, oldest] = list as [(typeof list)[0], (typeof list)[0]];
    expect(oldest.signedInAt).toBe(t);
    expect(newest.signedInAt).toBe(Math.floor((base + 2000) / 1000));
    expect(oldest.lastActiveAt).toBe(oldest.signedInAt);
    // 30 days of refresh and one access lifetime: the login's last second.
    expect(oldest.endsAt - oldest.signedInAt).toBeGreaterThanOrEqual(30 * 86_400 + 900);
    expect(await sids(auth, 'user-3')).toEqual([]);
  });

  it('a refresh and a renewal move lastActiveAt; verified requests do not', async () => {
    const { auth } = await setUp();
    const login = await signIn(auth, 'user-1');
    const { signedInAt } = (await auth.logins('user-1'))[0]!;
    offset += 60_000;
    for (let i = 0; i < 5; i++) await auth.verify(login.token);
    await auth.authenticate({ headers: { cookie: `jwt=${login.token}` } });
    expect(await auth.logins('user-1')).toMatchObject([{ lastActiveAt: signedInAt }]);
    offset += 60_000;
    const fresh = await refreshed(auth, login.refresh);
    expect(await auth.logins('user-1')).toMatchObject([{ lastActiveAt: signedInAt + 120 }]);
    offset += 600_000;
    const renewal = await renewed(auth, fresh.token);
    expect(renewal).toBeDefined();
    expect(await auth.logins('user-1')).toMatchObject([
      { sid: login.sid, signedInAt, lastActiveAt: signedInAt + 720 },
    ]);
  });

  it('sign-out, refresh reuse and log out everywhere take logins off the list', async () => {
    const { auth } = await setUp();
    const [a, b, c] = [
      await signIn(auth, 'user-1'),
      await signIn(auth, 'user-1'),
      await signIn(auth, 'user-1'),
    ];
    await auth.endSession({ headers: {} }, { claims: await auth.verify(a.token) }).revoked;
    expect((await sids(auth, 'user-1')).sort()).toEqual([b.sid, c.sid].sort());
    // A refresh token spent twice ends its login.
    await refreshed(auth, b.refresh);
    await expect(refreshed(auth, b.refresh)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(await sids(auth, 'user-1')).toEqual([c.sid]);
    await auth.revokeSubject('user-1');
    expect(await sids(auth, 'user-1')).toEqual([]);
    const d = await signIn(auth, 'user-1');
    expect(await sids(auth, 'user-1')).toEqual([d.sid]);
  });

  it('endLogin ends one login, its access and refresh tokens, and only it; a second call answers false', async () => {
    const { auth } = await setUp();
    const laptop = await signIn(auth, 'user-1');
    const phone = await signIn(auth, 'user-1');
    expect(await auth.endLogin('user-1', phone.sid)).toBe(true);
    expect(await accepted(auth, phone.token)).toBe(false);
    await expect(auth.verify(phone.token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    await expect(refreshed(auth, phone.refresh)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(await accepted(auth, laptop.token)).toBe(true);
    expect(await sids(auth, 'user-1')).toEqual([laptop.sid]);
    // Idempotent: the login stays ended, and nothing else changes.
    expect(await auth.endLogin('user-1', phone.sid)).toBe(false);
    expect(await accepted(auth, phone.token)).toBe(false);
    expect(await accepted(auth, laptop.token)).toBe(true);
    await expect(refreshed(auth, laptop.refresh)).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('endLogin refuses another user’s sid: false, and that login goes on and stays listed', async () => {
    const { auth } = await setUp();
    const victim = await signIn(auth, 'victim');
    await signIn(auth, 'attacker');
    expect(await auth.endLogin('attacker', victim.sid)).toBe(false);
    expect(await accepted(auth, victim.token)).toBe(true);
    await expect(refreshed(auth, victim.refresh)).resolves.toMatchObject({ token: expect.any(String) });
    expect(await sids(auth, 'victim')).toEqual([victim.sid]);
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'x'],
    ['two parts of a sid before generations', 'abcdefghijklmnop.1800000000'],
    ['dots only', '...'],
    ['a huge string', `${'a'.repeat(100_000)}.1.1`],
    ['__proto__', '__proto__'],
    ['a Redis field of another kind', 'g'],
    ['a number', 42],
    ['an object', { sid: 'x' }],
    ['an array', ['a.1.1']],
    ['null', null],
    ['undefined', undefined],
  ])('endLogin of %s answers false and writes nothing', async (_what, sid) => {
    const { auth, inner } = await setUp();
    const login = await signIn(auth, 'user-1');
    let writes = 0;
    const counting = {
      ...inner,
      revoke: async (...args: Parameters<SessionStore['revoke']>) => (writes++, inner.revoke(...args)),
    };
    const watched = createAuth(options(counting));
    expect(await watched.endLogin('user-1', sid as string)).toBe(false);
    expect(writes).toBe(0);
    expect(await accepted(auth, login.token)).toBe(true);
  });

  it('an expired login is off the list, and endLogin of its sid answers false', async () => {
    const { auth } = await setUp();
    const old = await signIn(auth, 'user-1');
    offset += (30 * 86_400 + 901) * 1000;
    const fresh = await signIn(auth, 'user-1');
    expect(await sids(auth, 'user-1')).toEqual([fresh.sid]);
    expect(await auth.endLogin('user-1', old.sid)).toBe(false);
    expect(await accepted(auth, fresh.token)).toBe(true);
  });

  it('a huge meta is capped: 256 bytes a value, 8 members; anything but strings is a TypeError', async () => {
    const { auth } = await setUp();
    const huge = `${'é'.repeat(200)}${'x'.repeat(1_000_000)}`;
    await signIn(auth, 'user-1', { userAgent: huge, label: 'a'.repeat(300), emoji: '🙂'.repeat(100) });
    const [login] = await auth.logins('user-1');
    expect(login!.meta.userAgent).toBe('é'.repeat(128));
    expect(login!.meta.label).toBe('a'.repeat(256));
    // Never half a character: 64 four-byte emoji.
    expect(login!.meta.emoji).toBe('🙂'.repeat(64));
    // Counted as stored, in JSON: a quote is two bytes, a control character six.
    await signIn(auth, 'user-3', { quotes: '"'.repeat(300), controls: '\u0001'.repeat(100) });
    expect((await auth.logins('user-3'))[0]!.meta).toEqual({
      quotes: '"'.repeat(128),
      controls: '\u0001'.repeat(42),
    });
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    await expect(auth.startSession({ sub: 'user-1' }, { meta: nine })).rejects.toThrow(TypeError);
    for (const meta of [
      { n: 1 },
      { o: {} },
      [] as unknown,
      'ua',
      null,
      { 'no spaces': 'x' },
      { ['x'.repeat(33)]: 'x' },
    ])
      await expect(
        auth.startSession({ sub: 'user-1' }, { meta: meta as Record<string, string> }),
        JSON.stringify(meta),
      ).rejects.toThrow(TypeError);
    // A lone surrogate (JSON allows one) is stored as U+FFFD, the same in every store.
    await signIn(auth, 'user-2', { userAgent: 'a\uD800b' });
    expect((await auth.logins('user-2'))[0]!.meta).toEqual({ userAgent: 'a\uFFFDb' });
  });

  it('past maxPerSubject live logins, a sign-in ends the login idle the longest: every login that works is listed', async () => {
    const { auth } = await setUp(3);
    const a = await signIn(auth, 'user-1');
    offset += 1000;
    const b = await signIn(auth, 'user-1');
    offset += 1000;
    const c = await signIn(auth, 'user-1');
    offset += 1000;
    // a is the oldest but in use: b has been idle the longest.
    const aFresh = await refreshed(auth, a.refresh);
    offset += 1000;
    const d = await signIn(auth, 'user-1');
    expect(await accepted(auth, b.token)).toBe(false);
    await expect(refreshed(auth, b.refresh)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect((await sids(auth, 'user-1')).sort()).toEqual([a.sid, c.sid, d.sid].sort());
    for (const token of [aFresh.token, c.token, d.token]) expect(await accepted(auth, token)).toBe(true);
    // However many sign-ins: the list holds every login that works, and no more than the limit.
    const all = [a, c, d];
    for (let i = 0; i < 8; i++) {
      offset += 1000;
      all.push(await signIn(auth, 'user-1'));
    }
    // Each ended login is a revocation: past maxPerSubject of them the user folds (its logins end, but those
    // made after): however many stay, none passes the limit, and each that works is listed.
    const listed = await sids(auth, 'user-1');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThanOrEqual(3);
    for (const login of all)
      expect(await accepted(auth, login.token), login.sid).toBe(listed.includes(login.sid));
  });

  it('sign-ins racing for the last place never pass the limit, and every login that works is listed', async () => {
    const { auth } = await setUp(3);
    const all = [];
    for (let i = 0; i < 3; i++) all.push(await signIn(auth, 'user-1'));
    offset += 1000;
    all.push(...(await Promise.all([1, 2, 3, 4].map(() => signIn(auth, 'user-1')))));
    // Each ended login is a revocation: past maxPerSubject of them the user folds (its logins end, but those
    // made after): however many stay, none passes the limit, and each that works is listed.
    const listed = await sids(auth, 'user-1');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThanOrEqual(3);
    for (const login of all)
      expect(await accepted(auth, login.token), login.sid).toBe(listed.includes(login.sid));
  });

  describe('an end racing the same login', () => {
    it('lands after the refresh spent its step, before its check: the refresh is refused', async () => {
      const { auth, hold } = await setUp();
      const login = await signIn(auth, 'user-1');
      const spent = hold('spend');
      const pending = refreshed(auth, login.refresh).then(
        (session) => session,
        (err: unknown) => err,
      );
      await spent.atGate;
      expect(await auth.endLogin('user-1', login.sid)).toBe(true);
      spent.release();
      expect(await pending).toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      expect(await sids(auth, 'user-1')).toEqual([]);
    });

    it('lands after the refresh’s check: its tokens are refused, and the login stays off the list', async () => {
      const { auth, hold } = await setUp();
      const login = await signIn(auth, 'user-1');
      const checked = hold('check');
      const pending = refreshed(auth, login.refresh);
      await checked.atGate;
      expect(await auth.endLogin('user-1', login.sid)).toBe(true);
      checked.release();
      const fresh = await pending;
      expect(await accepted(auth, fresh.token)).toBe(false);
      const next = valueOf(fresh.cookies.find((c) => c.startsWith('jwt-refresh=')));
      await expect(refreshed(auth, next)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      expect(await sids(auth, 'user-1')).toEqual([]);
    });

    it.each(['refresh', 'renewal'] as const)(
      'a %s whose record write arrives after the end never brings the login back',
      async (what) => {
        const { auth, hold } = await setUp();
        const login = await signIn(auth, 'user-1');
        offset += 600_000;
        const touch = hold('touch');
        const pending = (
          what === 'refresh' ? refreshed(auth, login.refresh) : renewed(auth, login.token)
        ).then(
          (session) => session,
          (err: unknown) => err,
        );
        await touch.atGate;
        expect(await auth.endLogin('user-1', login.sid)).toBe(true);
        touch.release();
        const outcome = await pending;
        // Whatever it answered, nothing of the login works, and it is not listed.
        if (outcome !== undefined && typeof (outcome as { token?: unknown }).token === 'string')
          expect(await accepted(auth, (outcome as { token: string }).token)).toBe(false);
        expect(await accepted(auth, login.token)).toBe(false);
        expect(await sids(auth, 'user-1')).toEqual([]);
      },
    );

    it('lands after a renewal’s check: the renewed token is refused, and the login stays off the list', async () => {
      const { auth, hold } = await setUp();
      const login = await signIn(auth, 'user-1');
      offset += 600_000;
      const checked = hold('check');
      const pending = renewed(auth, login.token);
      await checked.atGate;
      expect(await auth.endLogin('user-1', login.sid)).toBe(true);
      checked.release();
      const renewal = await pending;
      expect(await accepted(auth, renewal!.token)).toBe(false);
      expect(await sids(auth, 'user-1')).toEqual([]);
    });
  });

  it('endLoginOf ends the request’s own login, clearing its cookies at once', async () => {
    const { auth } = await setUp();
    const login = await signIn(auth, 'user-1');
    const other = await signIn(auth, 'user-1');
    const req = {
      method: 'POST',
      headers: { cookie: `jwt=${login.token}`, 'sec-fetch-site': 'same-origin' },
    };
    const session = (await auth.authenticate(req))!;
    const own = auth.endLoginOf(req, login.sid, { session });
    expect(own.cookies.map((c) => c.split('=')[0])).toEqual(['jwt', 'jwt-refresh']);
    expect(own.cookies.every((c) => /Max-Age=0|Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    expect(await own.ended).toBe(true);
    expect(await accepted(auth, login.token)).toBe(false);
    expect(await sids(auth, 'user-1')).toEqual([other.sid]);
    // Another of the user's logins: no cookie of this browser's is touched.
    const next = await signIn(auth, 'user-1');
    const nextReq = {
      method: 'POST',
      headers: { cookie: `jwt=${next.token}`, 'sec-fetch-site': 'same-origin' },
    };
    const ending = auth.endLoginOf(nextReq, other.sid, { session: (await auth.authenticate(nextReq))! });
    expect(ending.cookies).toEqual([]);
    expect(await ending.ended).toBe(true);
    expect(await accepted(auth, other.token)).toBe(false);
    expect(await accepted(auth, next.token)).toBe(true);
  });

  it('endLoginOf refuses a cross-site request whatever its method, ending nothing', async () => {
    const { auth } = await setUp();
    const login = await signIn(auth, 'user-1');
    const other = await signIn(auth, 'user-1');
    for (const method of ['GET', 'POST']) {
      const req = { method, headers: { cookie: `jwt=${login.token}`, 'sec-fetch-site': 'cross-site' } };
      const session = {
        user: {},
        claims: await auth.verify(login.token),
        token: login.token,
        source: 'cookie' as const,
      };
      const ending = auth.endLoginOf(req, other.sid, { session });
      expect(ending.cookies).toEqual([]);
      await expect(ending.ended).rejects.toMatchObject({ code: 'ERR_CSRF', status: 403 });
    }
    expect(await accepted(auth, other.token)).toBe(true);
  });
});

describe('a store that keeps no logins', () => {
  const bare = (): SessionStore => {
    const inner = memoryStore();
    return {
      revoke: (...args) => inner.revoke(...args),
      revokeSubject: (...args) => inner.revokeSubject(...args),
      status: (...args) => inner.status(...args),
      useOnce: (...args) => inner.useOnce(...args),
    };
  };

  it('signs in as before; listing and ending one login throw a TypeError naming what is missing', async () => {
    const auth = createAuth({ key: hs256(SECRET), store: bare() });
    const { token } = await auth.startSession({ sub: 'user-1' }, { meta: { label: 'x' } });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(auth.logins('user-1')).rejects.toThrow(
      'jwt-gate: auth.logins needs a store that keeps logins: this one has no addLogin, touchLogin, logins',
    );
    await expect(auth.endLogin('user-1', payloadOf(token).sid as string)).rejects.toThrow(
      /auth\.endLogin needs a store that keeps logins/,
    );
    // Its own login is ended all the same: the verified token proves it is the user's.
    const req = { method: 'POST', headers: { cookie: `jwt=${token}` } };
    const ending = auth.endLoginOf(req, payloadOf(token).sid, { session: (await auth.authenticate(req))! });
    expect(await ending.ended).toBe(true);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });

  it('half the login methods is a TypeError at createAuth; store: false a TypeError at listing', async () => {
    const half = { ...bare(), logins: async () => [] };
    expect(() => createAuth({ key: hs256(SECRET), store: half })).toThrow(
      'jwt-gate: a store that keeps logins has addLogin, touchLogin, logins; this one lacks addLogin, touchLogin',
    );
    const none = createAuth({ key: hs256(SECRET), store: false });
    await expect(none.logins('user-1')).rejects.toThrow(
      'jwt-gate: auth.logins needs a store (store: false is set)',
    );
    await expect(createAuth({ key: hs256(SECRET) }).logins('')).rejects.toThrow(TypeError);
  });
});

// Two instances on one Redis, with nothing held: whatever the order in which Redis runs them, an end
// racing a refresh or a renewal of the same login on the other instance leaves nothing of it working.
describe.runIf(runRedis).each(['node-redis createClient', 'ioredis Cluster'] as const)(
  'two instances on %s',
  (kind) => {
    it('an end on A racing refreshes and renewals on B: nothing of the login works after, nor is listed', async () => {
      const prefix = `logins-race-${process.pid}-${run}-${++prefixes}:`;
      let clock = Date.now();
      const now = (): number => clock;
      const instance = async (): Promise<Auth> => {
        const store = redisStore({ client: await clients.connect(kind), prefix });
        closers.push(() => store.close());
        return createAuth({
          key: hs256(SECRET),
          store,
          now,
          expiresIn: '15m',
          refresh: { expiresIn: '30d' },
          renew: { maxAge: '12h' },
        });
      };
      const [a, b] = [await instance(), await instance()];
      for (let round = 0; round < 20; round++) {
        const { token, cookies } = await a.startSession({ sub: 'user-1' });
        const sid = payloadOf(token).sid as string;
        const refresh = `jwt-refresh=${valueOf(cookies.find((c) => c.startsWith('jwt-refresh=')))}`;
        clock += 600_000;
        const session = (await b.authenticate({ headers: { cookie: `jwt=${token}` } }))!;
        const [ended, ...issued] = await Promise.all([
          a.endLogin('user-1', sid),
          b.refresh({ headers: { cookie: refresh } }).catch(() => undefined),
          b.renew(session).catch(() => undefined),
        ]);
        expect(ended).toBe(true);
        for (const started of issued)
          if (started !== undefined)
            await expect(b.verify(started.token), `round ${round}`).rejects.toMatchObject({
              code: 'ERR_TOKEN_REVOKED',
            });
        await expect(b.refresh({ headers: { cookie: refresh } })).rejects.toMatchObject({
          code: 'ERR_TOKEN_REVOKED',
        });
        expect(await a.logins('user-1'), `round ${round}`).toEqual([]);
      }
    });
  },
);

describe('a full memory store', () => {
  it('a sign-in that waits out the floor its own record raised is listed, and its token works', async () => {
    // A clock that moves with real time, from the middle of a second.
    const base = Math.floor(Date.now() / 1000) * 1000 + 500;
    const start = performance.now();
    const now = (): number => base + (performance.now() - start);
    const store = memoryStore({ now, max: 2 });
    const auth = createAuth({ key: hs256(SECRET), store, now });
    for (const sub of ['other-1', 'other-2']) await auth.revoke(await auth.verify(await auth.issue({ sub })));
    // The store is full: the record pushes the oldest revocation out, and the floor to the next second.
    const { token } = await auth.startSession({ sub: 'user-1' });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    expect((await auth.logins('user-1')).map((l) => l.sid)).toEqual([payloadOf(token).sid]);
  });
});

// An attacker's view of the session features: sign-out, log out everywhere, refresh rotation, sliding
// renewal, CSRF, store outages and crafted store keys, over HTTP on every adapter variant, on the
// memory store and on a real Redis. Tests headed "BUG" are regressions of bugs found here, now fixed.
import { createServer, type RequestListener } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  isAuthError,
  memoryStore,
  redisStore,
  type Auth,
  type AuthOptions,
  type SessionStore,
} from '../../src/index.js';
import { variants, type Handler, type Variant } from '../adapters/apps.js';
import { NOW, NOW_MS, SECRET, handToken } from '../helpers.js';
import { redisAvailable, redisServer } from './redis-server.js';

const runRedis = redisAvailable || Boolean(process.env.CI);
if (!runRedis)
  console.warn('redis-server is not installed: the Redis attack tests are skipped (CI installs it).');

/** What these tests need of a node-redis client. */
interface RedisClient {
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}
const server = redisServer();
let redis: RedisClient | undefined;
const clients: RedisClient[] = [];

async function connectClient(url: string, options: { queue?: boolean } = {}): Promise<RedisClient> {
  const client = createClient({
    url,
    disableOfflineQueue: !options.queue,
    socket: { reconnectStrategy: () => 100 },
  });
  client.on('error', () => undefined);
  await client.connect();
  const handle: RedisClient = client;
  clients.push(handle);
  return handle;
}

beforeAll(async () => {
  if (!runRedis) return;
  await server.start();
  redis = await connectClient(server.url);
});
afterAll(async () => {
  for (const client of clients) {
    try {
      client.destroy();
    } catch {
      // already gone
    }
  }
  if (runRedis) await server.stop().catch(() => undefined);
});

// ---------------------------------------------------------------------------------------------------
// Helpers

const DAY = 86_400;
const OTHER_SECRET = 'another-secret-the-attacker-holds-0123456789';
const EVIL = 'https://evil.test';

interface StoreKind {
  readonly name: 'memory' | 'redis';
  /** A fresh store on the test's clock; `prefix` is set for Redis, to read its keys. */
  make(now: () => number): { store: SessionStore; prefix: string | undefined };
}
let prefixes = 0;
const storeKinds: StoreKind[] = [
  { name: 'memory', make: (now) => ({ store: memoryStore({ now }), prefix: undefined }) },
  ...(runRedis
    ? [
        {
          name: 'redis' as const,
          make: (now: () => number) => {
            const prefix = `attack-${process.pid}-${++prefixes}:`;
            return { store: redisStore({ client: redis!, prefix, now }), prefix };
          },
        },
      ]
    : []),
];

const setCookies = (res: request.Response): string[] =>
  (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
const cookiesOf = (res: request.Response): Record<string, string> =>
  Object.fromEntries(setCookies(res).map((c) => [c.split('=')[0]!, c]));
const valueOf = (cookie: string | undefined): string => /^[^=]+=([^;]*)/.exec(cookie ?? '')?.[1] ?? '';
const payloadOf = (token: string): Record<string, unknown> & { exp: number; iat: number; jti: string } =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown> & {
    exp: number;
    iat: number;
    jti: string;
  };
const withoutManaged = (claims: Record<string, unknown>): Record<string, unknown> => {
  const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims;
  return rest;
};

interface Session {
  readonly access: string;
  readonly refresh: string;
  readonly csrf: string;
}
const sessionOf = (res: request.Response): Session => {
  const cookies = cookiesOf(res);
  return {
    access: valueOf(cookies.jwt),
    refresh: valueOf(cookies['jwt-refresh']),
    csrf: valueOf(cookies.csrf),
  };
};
const login = async (app: Handler): Promise<Session> => {
  const res = await request(app).post('/login');
  expect(res.status).toBe(204);
  return sessionOf(res);
};
const required = (app: Handler, token: string): request.Test =>
  request(app).get('/required').set('Cookie', `jwt=${token}`);
const bearer = (app: Handler, token: string): request.Test =>
  request(app).get('/required').set('Authorization', `Bearer ${token}`);
const refreshWith = (app: Handler, token: string): request.Test =>
  request(app).post('/auth/refresh').set('Cookie', `jwt-refresh=${token}`);
const logout = (app: Handler, token: string): request.Test =>
  request(app).post('/auth/logout').set('Cookie', `jwt=${token}`);

function expectRefused(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as { code?: unknown }).code }).toEqual({ status, code });
}

const ttlOf = async (key: string): Promise<number> => Number(await redis!.sendCommand(['TTL', key]));

interface Setup {
  readonly auth: Auth;
  readonly app: Handler;
  readonly store: SessionStore;
  readonly prefix: string | undefined;
  /** Sets the clock to `seconds` after NOW (whole seconds, so a login right after "log out everywhere" never waits). */
  at(seconds: number): void;
}

function setupWith(
  variant: Variant,
  kind: StoreKind,
  extra: Partial<AuthOptions> = {},
  trustProxy = false,
): Setup {
  let clock = NOW_MS;
  const now = (): number => clock;
  const { store, prefix } = kind.make(now);
  const auth = createAuth({
    key: hs256(SECRET),
    expiresIn: '15m',
    store,
    now,
    refresh: { expiresIn: '30d' },
    ...extra,
  });
  return {
    auth,
    app: variant.build(auth, trustProxy),
    store,
    prefix,
    at: (seconds) => void (clock = NOW_MS + seconds * 1000),
  };
}

const memoryKind = storeKinds[0]!;

// ---------------------------------------------------------------------------------------------------

describe.each(variants)('$name', (variant) => {
  const setup = (kind: StoreKind, extra?: Partial<AuthOptions>, trustProxy?: boolean): Setup =>
    setupWith(variant, kind, extra, trustProxy);

  describe.each(storeKinds)('$name store', (kind) => {
    describe('sign-out and log out everywhere', () => {
      it('a signed-out session is dead: its access token as cookie or Bearer, and its refresh token', async () => {
        const { app } = setup(kind);
        const s = await login(app);
        expect((await logout(app, s.access)).status).toBe(204);
        expectRefused(await required(app, s.access), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await bearer(app, s.access), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
        // Signing out again with the dead token is harmless, and a new login works.
        expect((await logout(app, s.access)).status).toBe(204);
        const again = await login(app);
        expect((await required(app, again.access)).status).toBe(200);
      });

      it('/auth/logout with a forged, altered or expired copy of someone else’s token revokes nothing', async () => {
        const { app, at } = setup(kind);
        const victim = await login(app);
        const claims = payloadOf(victim.access);
        const [h, , sig] = victim.access.split('.') as [string, string, string];
        const forged: [string, string][] = [
          [handToken({ alg: 'HS256', typ: 'JWT' }, claims, { hmac: OTHER_SECRET }), 'ERR_SIGNATURE_INVALID'],
          [handToken({ alg: 'none', typ: 'JWT' }, claims, { signature: '' }), 'ERR_ALG_NOT_ALLOWED'],
          [`${victim.access.split('.').slice(0, 2).join('.')}.`, 'ERR_SIGNATURE_INVALID'],
          [
            `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 60 })).toString('base64url')}.${sig}`,
            'ERR_SIGNATURE_INVALID',
          ],
          [
            handToken({ alg: 'HS256', typ: 'refresh+jwt' }, claims, { hmac: OTHER_SECRET }),
            'ERR_SIGNATURE_INVALID',
          ],
        ];
        for (const [token, code] of forged) {
          expect((await logout(app, token)).status).toBe(204);
          expect(
            (await request(app).post('/auth/logout').set('Authorization', `Bearer ${token}`)).status,
          ).toBe(204);
          expectRefused(
            await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${token}`),
            401,
            code,
          );
        }
        expect((await required(app, victim.access)).status).toBe(200);

        // 16 minutes on, the victim's access token has expired and the victim has refreshed; the
        // expired copy (say, from a log) carries the same login id, yet revokes nothing.
        at(16 * 60);
        const rotated = await refreshWith(app, victim.refresh);
        expect(rotated.status).toBe(204);
        const fresh = sessionOf(rotated);
        expect((await logout(app, victim.access)).status).toBe(204);
        expect(
          (await request(app).post('/auth/logout').set('Authorization', `Bearer ${victim.access}`)).status,
        ).toBe(204);
        expect((await required(app, fresh.access)).status).toBe(200);
        expect((await refreshWith(app, fresh.refresh)).status).toBe(204);
      });

      it('log out everywhere refuses every device’s access and refresh tokens at once; a new login works', async () => {
        const { app, at } = setup(kind);
        const laptop = await login(app);
        const phone = await login(app);
        at(5);
        expect(
          (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
        ).toBe(204);
        expectRefused(await required(app, laptop.access), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await bearer(app, laptop.access), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await refreshWith(app, laptop.refresh), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await refreshWith(app, phone.refresh), 401, 'ERR_TOKEN_REVOKED');
        const again = await login(app);
        expect((await required(app, again.access)).status).toBe(200);
        expect((await refreshWith(app, again.refresh)).status).toBe(204);
      });

      // BUG: the subject's not-before is kept for max(expiresIn, maxTokenAge) only (lifecycle.ts,
      // `longestLifetime`), but refresh tokens live refresh.expiresIn (30 days here): an hour after
      // "log out everywhere", a stolen refresh token of another device works again.
      it('log out everywhere still refuses another device’s refresh token after the access lifetime has passed', async () => {
        const { app, at, prefix } = setup(kind, { expiresIn: '1h' });
        const stolen = await login(app);
        const phone = await login(app);
        at(5);
        expect(
          (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
        ).toBe(204);
        if (prefix === undefined) {
          at(5 + 3600 + 60);
          expectRefused(await refreshWith(app, stolen.refresh), 401, 'ERR_TOKEN_REVOKED');
        } else {
          // Redis expires keys in real time: the subject's key must outlive every token it refuses, so it has no end.
          expect(await ttlOf(`${prefix}{sub:user-1}:nb`)).toBe(-1);
        }
      });

      // BUG, same cause: a token signed in with a longer expiresIn ("remember me") outlives the
      // subject's not-before and works again an hour after "log out everywhere".
      it('log out everywhere still refuses a “remember me” token (signIn with expiresIn: 7d) after an hour', async () => {
        const { auth, app, at, prefix } = setup(kind, { expiresIn: '1h', refresh: false });
        const { token } = await auth.startSession({ sub: 'user-1', role: 'member' }, { expiresIn: '7d' });
        const phone = await login(app);
        at(5);
        expect(
          (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
        ).toBe(204);
        expectRefused(await required(app, token), 401, 'ERR_TOKEN_REVOKED');
        if (prefix === undefined) {
          at(5 + 3600 + 60);
          expectRefused(await required(app, token), 401, 'ERR_TOKEN_REVOKED');
        } else {
          expect(await ttlOf(`${prefix}{sub:user-1}:nb`)).toBe(-1);
        }
      });

      // BUG: without `refresh`, a session has no `sid` (lifecycle.ts startSession: `const sid = o.refresh
      // === undefined ? undefined : newTokenId()`), so sign-out revokes only the latest renewed token's
      // jti; a copy of the token from before a renewal keeps working until it expires.
      it('sign-out also ends the tokens the session had before a sliding renewal', async () => {
        const { app, at } = setup(kind, { expiresIn: '1h', refresh: false, renew: { maxAge: '12h' } });
        const before = (await login(app)).access;
        at(40 * 60);
        const renewed = await required(app, before);
        expect(renewed.status).toBe(200);
        const after = valueOf(cookiesOf(renewed).jwt);
        expect(after).not.toBe('');
        expect((await logout(app, after)).status).toBe(204);
        expectRefused(await required(app, after), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await required(app, before), 401, 'ERR_TOKEN_REVOKED');
      });
    });

    describe('refresh rotation', () => {
      // BUG: lifecycle.ts refresh checks the store (verifyToken) before `useOnce` and signs afterwards
      // with a fresh whole-second `iat`. A "log out everywhere" that lands in between, in the second
      // before the signing, sets a fractional not-before the new tokens' iat already passes: the
      // thief's refresh, kept in flight, survives log out everywhere. (Forced here by holding the
      // store's useOnce; on a real store the window is one round trip across a second boundary.)
      it('a refresh in flight during "log out everywhere" does not yield tokens that survive it', async () => {
        let reached!: () => void;
        let release!: () => void;
        const atGate = new Promise<void>((resolve) => (reached = resolve));
        const gate = new Promise<void>((resolve) => (release = resolve));
        const gated: StoreKind = {
          name: kind.name,
          make: (now) => {
            const made = kind.make(now);
            const inner = made.store;
            const store: SessionStore = {
              revoke: (id, until) => inner.revoke(id, until),
              revokeSubject: (sub, notBefore, until) => inner.revokeSubject(sub, notBefore, until),
              status: (ids, sub) => inner.status(ids, sub),
              useOnce: async (id, until) => {
                reached();
                await gate;
                return inner.useOnce(id, until);
              },
            };
            return { store, prefix: made.prefix };
          },
        };
        let clock = NOW_MS;
        const { store } = gated.make(() => clock);
        const app = variant.build(
          createAuth({
            key: hs256(SECRET),
            expiresIn: '15m',
            store,
            now: () => clock,
            refresh: { expiresIn: '30d' },
          }),
        );
        const thief = await login(app);
        const phone = await login(app);
        const pending = refreshWith(app, thief.refresh).then((res) => res);
        await atGate;
        clock = NOW_MS + 10_500;
        expect(
          (await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${phone.access}`)).status,
        ).toBe(204);
        clock = NOW_MS + 11_000;
        release();
        const res = await pending;
        const survivor = res.status === 204 ? sessionOf(res).access : thief.access;
        expectRefused(await required(app, survivor), 401, 'ERR_TOKEN_REVOKED');
      });

      it('24 concurrent refreshes with one token on two instances: exactly one 204, and the losers’ reuse ends the login', async () => {
        const { app, store } = setup(kind);
        const other = variant.build(
          createAuth({
            key: hs256(SECRET),
            expiresIn: '15m',
            store,
            now: () => NOW_MS,
            refresh: { expiresIn: '30d' },
          }),
        );
        const s = await login(app);
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => refreshWith(i % 2 ? app : other, s.refresh)),
        );
        const winners = results.filter((r) => r.status === 204);
        expect(winners).toHaveLength(1);
        for (const res of results) if (res.status !== 204) expectRefused(res, 401, 'ERR_TOKEN_REVOKED');
        const won = sessionOf(winners[0]!);
        expectRefused(await required(app, won.access), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await refreshWith(other, won.refresh), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await required(other, s.access), 401, 'ERR_TOKEN_REVOKED');
      });

      it('refresh and access tokens are kept apart, and a refused attempt does not burn the refresh token', async () => {
        const { app } = setup(kind);
        const s = await login(app);
        expectRefused(await bearer(app, s.refresh), 401, 'ERR_CLAIM_INVALID');
        expectRefused(await required(app, s.refresh), 401, 'ERR_CLAIM_INVALID');
        expectRefused(
          await request(app).post('/write').set('Cookie', `jwt=${s.refresh}`),
          401,
          'ERR_CLAIM_INVALID',
        );
        const optional = await request(app).get('/optional').set('Cookie', `jwt=${s.refresh}`);
        expect({
          status: optional.status,
          user: optional.body.user,
          authError: optional.body.authError,
        }).toEqual({ status: 200, user: null, authError: 'ERR_CLAIM_INVALID' });
        expectRefused(await refreshWith(app, s.access), 401, 'ERR_CLAIM_INVALID');
        // Both cookies sent to the refresh path: only the refresh cookie is read.
        expectRefused(
          await request(app).post('/auth/refresh').set('Cookie', `jwt=${s.refresh}; jwt-refresh=${s.access}`),
          401,
          'ERR_CLAIM_INVALID',
        );
        // A refresh token at /logout is not a session: nothing is revoked.
        expect((await logout(app, s.refresh)).status).toBe(204);
        expect((await required(app, s.access)).status).toBe(200);
        expect((await refreshWith(app, s.refresh)).status).toBe(204);
      });

      it('no refresh chain outlives the login, and none takes claims from the request', async () => {
        const { app, at } = setup(kind);
        const s = await login(app);
        const original = withoutManaged(payloadOf(s.access));
        expect(original).toEqual({
          auth_time: NOW,
          sub: 'user-1',
          role: 'member',
          scope: 'read',
          sid: expect.any(String),
        });
        let current = s.refresh;
        for (const seconds of [10 * DAY, 20 * DAY, 30 * DAY - 60]) {
          at(seconds);
          const res = await refreshWith(app, current)
            .query({ sub: 'admin', role: 'admin' })
            .set('Content-Type', 'application/json')
            .set('X-User', 'admin')
            .send({ sub: 'admin', role: 'admin', exp: NOW + 365 * DAY, auth_time: NOW + seconds });
          expect(res.status).toBe(204);
          const next = sessionOf(res);
          expect(cookiesOf(res)['jwt-refresh']).toContain(`; Max-Age=${30 * DAY - seconds};`);
          expect(payloadOf(next.refresh)).toMatchObject({
            exp: NOW + 30 * DAY,
            iat: NOW + seconds,
            aud: 'jwt-gate:refresh',
          });
          expect(withoutManaged(payloadOf(next.refresh))).toEqual({ ...original, aud: 'jwt-gate:refresh' });
          expect(withoutManaged(payloadOf(next.access))).toEqual(original);
          current = next.refresh;
        }
        at(30 * DAY);
        expectRefused(await refreshWith(app, current), 401, 'ERR_TOKEN_EXPIRED');
      });

      // BUG: within clockTolerance after the login's end, verify still accepts the refresh token, then
      // lifecycle.ts refresh signs the new refresh token with `exp - Math.floor(o.now() / 1000)` <= 0
      // seconds and buildPayload/toSeconds throw a TypeError: a 500 from a client's cookie. The used
      // marker (`useOnce(..., exp)`) has also expired by then, so reuse goes undetected.
      it('a refresh token in the clock-tolerance window after the login’s end is a 401, never a 500', async () => {
        const { app, at } = setup(kind, { clockTolerance: 30, refresh: { expiresIn: '1h' } });
        const s = await login(app);
        at(3600 + 10);
        expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_EXPIRED');
      });

      // BUG: on reuse, lifecycle.ts refresh revokes the login only until the presented refresh token's
      // exp (`store.revoke(`sid:${sid}`, exp)`), but an access token issued by a refresh shortly before
      // the login's end lives up to expiresIn past it: the thief's access token works again.
      it('reuse detection near the login’s end keeps refusing the thief’s access token until it expires', async () => {
        const { app, at, prefix } = setup(kind, { refresh: { expiresIn: '1h' } });
        const s = await login(app);
        at(3500);
        const thief = sessionOf(await refreshWith(app, s.refresh));
        expect(payloadOf(thief.access).exp).toBe(NOW + 3500 + 900);
        at(3550);
        expectRefused(await refreshWith(app, s.refresh), 401, 'ERR_TOKEN_REVOKED');
        expectRefused(await required(app, thief.access), 401, 'ERR_TOKEN_REVOKED');
        if (prefix === undefined) {
          at(3700);
          expectRefused(await required(app, thief.access), 401, 'ERR_TOKEN_REVOKED');
        } else {
          expect(
            await ttlOf(`${prefix}{sub:user-1}:id:sid:${String(payloadOf(thief.access).sid)}`),
          ).toBeGreaterThanOrEqual(3500 + 900 - 3550);
        }
      });

      it('a cross-site refresh is a 403 ERR_CSRF and does not burn the token; with a double submit the header is needed', async () => {
        const { app } = setup(kind);
        const s = await login(app);
        expectRefused(await refreshWith(app, s.refresh).set('Origin', EVIL), 403, 'ERR_CSRF');
        expectRefused(await refreshWith(app, s.refresh).set('Sec-Fetch-Site', 'cross-site'), 403, 'ERR_CSRF');
        expect((await refreshWith(app, s.refresh).set('Sec-Fetch-Site', 'same-origin')).status).toBe(204);

        const double = setup(kind, { csrf: { header: 'x-csrf-token' } });
        const d = await login(double.app);
        expect(d.csrf).toMatch(/^[\w-]{22}$/);
        expectRefused(await refreshWith(double.app, d.refresh), 403, 'ERR_CSRF');
        expectRefused(await refreshWith(double.app, d.refresh).set('x-csrf-token', ''), 403, 'ERR_CSRF');
        expectRefused(
          await refreshWith(double.app, d.refresh).set('x-csrf-token', (await login(double.app)).csrf),
          403,
          'ERR_CSRF',
        );
        const ok = await refreshWith(double.app, d.refresh).set('x-csrf-token', d.csrf);
        expect(ok.status).toBe(204);
        // The rotated session keeps its csrf value, cookie included.
        expect(sessionOf(ok).csrf).toBe(d.csrf);
        expect(payloadOf(sessionOf(ok).access).csrf).toBe(d.csrf);
      });
    });

    describe('crafted subjects and token ids', () => {
      it('log out everywhere / sign-out of crafted subjects and jtis never touch another user’s keys', async () => {
        const { auth, app, prefix } = setup(kind);
        const victim = await login(app);
        const victimClaims = payloadOf(victim.access);
        const vj = victimClaims.jti;
        const vsid = String(victimClaims.sid);
        const p = prefix ?? 'jwt-gate:';
        const subjects = [
          '*',
          'user-1*',
          'user-?',
          'user-[1]',
          'user-1\n',
          'user-1\r\nFLUSHALL',
          ' user-1',
          'USER-1',
          'user-1\u0000',
          '../user-1',
          'sub:user-1',
          `${p}sub:user-1`,
          `id:jti:${vj}`,
          `${p}id:sid:${vsid}`,
          '__proto__',
          'constructor',
          'x'.repeat(4000),
          '{sub:user-1}',
          'user-1}:nb',
          `user-1}:id:jti:${vj}`,
          `${p}{sub:user-1}:nb`,
          '%75ser-1',
          'user-1%',
          '\uD800user-1',
        ];
        for (const sub of subjects) {
          const token = await auth.issue({ sub, role: 'member' });
          expect(
            (await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${token}`))
              .status,
          ).toBe(204);
          expectRefused(await bearer(app, token), 401, 'ERR_TOKEN_REVOKED');
        }
        const jtis = [
          `jti:${vj}`,
          `sid:${vsid}`,
          `rt:${vj}`,
          '*',
          `${vj}*`,
          `${vj}\n`,
          `\r\n${vj}`,
          `${p}id:jti:${vj}`,
          `../${vj}`,
          vj.toUpperCase(),
          `${vj} `,
          '__proto__',
          'y'.repeat(2500),
        ];
        for (const jwtid of jtis) {
          const token = await auth.issue({ sub: 'attacker', sid: jwtid }, { jwtid });
          expect(
            (await request(app).post('/auth/logout').set('Authorization', `Bearer ${token}`)).status,
          ).toBe(204);
          expectRefused(await bearer(app, token), 401, 'ERR_TOKEN_REVOKED');
        }
        expect((await required(app, victim.access)).status).toBe(200);
        expect((await refreshWith(app, victim.refresh)).status).toBe(204);
        if (prefix !== undefined) {
          // Every key the attacker made expires on its own but one not-before per subject; none escaped the prefix.
          const keys = (await redis!.sendCommand(['KEYS', `${prefix}*`])) as string[];
          expect(keys.length).toBeGreaterThan(subjects.length);
          const endless = [];
          // The revocation log trims itself by entry age, not by TTL.
          for (const key of keys) if (!key.endsWith('{log}') && (await ttlOf(key)) === -1) endless.push(key);
          expect(endless).toHaveLength(new Set(subjects).size);
          for (const key of endless) expect(key).toMatch(/^attack-[\w-]+:\{sub:[^]*\}:nb$/);
          expect(
            ((await redis!.sendCommand(['KEYS', '*'])) as string[]).filter(
              (key) => !key.startsWith('attack-'),
            ),
          ).toEqual([]);
        }
      });
    });
  });

  describe('sliding renewal', () => {
    // BUG: lifecycle.ts renew takes the login time from `auth_time`, else from `iat`, but does not
    // write it into the new token: a token without auth_time (auth.issue + auth.sessionCookie, or
    // another issuer's) is renewed forever, each renewal counting maxAge from its own iat.
    it('a cookie token without auth_time is not renewed past maxAge after its issue', async () => {
      const { auth, app, at } = setup(memoryKind, {
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '3h' },
      });
      let token = await auth.issue({ sub: 'user-1', role: 'member' });
      for (const minutes of [40, 80, 120, 160]) {
        at(minutes * 60);
        const res = await required(app, token);
        expect(res.status).toBe(200);
        const renewed = valueOf(cookiesOf(res).jwt);
        if (renewed !== '') token = renewed;
      }
      expect(payloadOf(token).exp).toBeLessThanOrEqual(NOW + 3 * 3600);
      at(3 * 3600 + 60);
      expectRefused(await required(app, token), 401, 'ERR_TOKEN_EXPIRED');
    });

    it('renewal copies the token’s claims only, never the request’s, and never renews a revoked token', async () => {
      const { app, at } = setup(memoryKind, {
        expiresIn: '1h',
        refresh: false,
        renew: { maxAge: '3h' },
        csrf: { header: 'x-csrf-token' },
      });
      const s = await login(app);
      at(40 * 60);
      const res = await request(app)
        .post('/write')
        .query({ role: 'admin' })
        .set('Cookie', `jwt=${s.access}`)
        .set('x-csrf-token', s.csrf)
        .set('Content-Type', 'application/json')
        .send({ role: 'admin', auth_time: NOW + 40 * 60, exp: NOW + 365 * DAY });
      expect(res.status).toBe(200);
      const renewed = sessionOf(res);
      expect(withoutManaged(payloadOf(renewed.access))).toEqual(withoutManaged(payloadOf(s.access)));
      expect(payloadOf(renewed.access)).toMatchObject({
        auth_time: NOW,
        iat: NOW + 40 * 60,
        exp: NOW + 100 * 60,
      });
      expect(renewed.csrf).toBe(s.csrf);
      expect((await logout(app, renewed.access).set('x-csrf-token', s.csrf)).status).toBe(204);
      const refused = await required(app, renewed.access);
      expectRefused(refused, 401, 'ERR_TOKEN_REVOKED');
      expect(setCookies(refused)).toEqual([]);
    });
  });

  describe('CSRF on a cookie session', () => {
    const { auth, app } = setupWith(variant, memoryKind, { refresh: false });
    const proxied = variant.build(auth, true);
    let token = '';
    beforeAll(async () => {
      token = (await login(app)).access;
    });

    const cases: [string, Record<string, string | string[]>, number][] = [
      [
        'an Origin that only starts with the host',
        { Origin: 'https://app.test.evil.test', Host: 'app.test' },
        403,
      ],
      ['a cross-site Origin', { Origin: EVIL, Host: 'app.test' }, 403],
      ['an Origin with a trailing dot', { Origin: 'https://app.test.', Host: 'app.test' }, 403],
      ['a Host with a trailing dot', { Origin: 'https://app.test', Host: 'app.test.' }, 403],
      ['an Origin on another port', { Origin: 'https://app.test:8443', Host: 'app.test' }, 403],
      [
        'an Origin with userinfo pointing elsewhere',
        { Origin: 'https://app.test@evil.test', Host: 'app.test' },
        403,
      ],
      ['Origin: null', { Origin: 'null', Host: 'app.test' }, 403],
      ['an empty Origin', { Origin: '', Host: 'app.test' }, 403],
      [
        'two Origin headers, the own one second',
        { Origin: [EVIL, 'https://app.test'], Host: 'app.test' },
        403,
      ],
      [
        'X-Forwarded-Host naming the attacker (no trusted proxy)',
        { Origin: EVIL, Host: 'app.test', 'X-Forwarded-Host': 'evil.test' },
        403,
      ],
      ['Sec-Fetch-Site: same-site alone', { 'Sec-Fetch-Site': 'same-site' }, 403],
      ['Sec-Fetch-Site: cross-site alone', { 'Sec-Fetch-Site': 'cross-site' }, 403],
      [
        'Sec-Fetch-Site: same-site with the own Origin',
        { 'Sec-Fetch-Site': 'same-site', Origin: 'https://app.test', Host: 'app.test' },
        403,
      ],
      ['Sec-Fetch-Site in upper case', { 'Sec-Fetch-Site': 'SAME-ORIGIN', Origin: EVIL }, 403],
      ['two Sec-Fetch-Site headers', { 'Sec-Fetch-Site': ['cross-site', 'same-origin'], Origin: EVIL }, 403],
      ['an unknown Sec-Fetch-Site', { 'Sec-Fetch-Site': 'trusted', Origin: EVIL }, 403],
      [
        'method-override headers asking for GET',
        { Origin: EVIL, 'X-HTTP-Method-Override': 'GET', 'X-HTTP-Method': 'GET', 'X-Method-Override': 'GET' },
        403,
      ],
      [
        'browser-cached Basic credentials next to the cookie',
        { Origin: EVIL, Authorization: 'Basic dXNlcjpwYXNz' },
        403,
      ],
      ['the own Origin in upper case', { Origin: 'HTTPS://APP.TEST', Host: 'app.test' }, 200],
      ['the own Host in upper case', { Origin: 'https://app.test', Host: 'APP.TEST' }, 200],
      ['the own origin with its port', { Origin: 'https://app.test:8443', Host: 'app.test:8443' }, 200],
      [
        'Sec-Fetch-Site: same-origin',
        { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://app.test', Host: 'app.test' },
        200,
      ],
      // Not a browser attack: a browser sets Host from the URL it sends the request to.
      ['a Host forged to match a forged Origin', { Origin: EVIL, Host: 'evil.test' }, 200],
    ];
    it.each(cases.map(([name, headers, status]) => ({ name, headers, status })))(
      'POST /write with the cookie and $name: $status',
      async ({ headers, status }) => {
        const res = await request(app).post('/write').set('Cookie', `jwt=${token}`).set(headers);
        expect(res.status).toBe(status);
        if (status === 403)
          expect(res.body).toEqual({
            error: 'forbidden',
            error_description: 'cross-site request refused',
            code: 'ERR_CSRF',
          });
      },
    );

    it('a cross-site "log out everywhere" is a 403 ERR_CSRF and ends nothing', async () => {
      const own = (await login(app)).access;
      expectRefused(
        await request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${own}`).set('Origin', EVIL),
        403,
        'ERR_CSRF',
      );
      expect((await required(app, own)).status).toBe(200);
      expect((await required(app, token)).status).toBe(200);
    });

    it('behind a trusted proxy, X-Forwarded-Host and -Proto do not make a cross-site Origin pass', async () => {
      const headers = {
        Origin: EVIL,
        Host: 'app.test',
        'X-Forwarded-Host': 'evil.test',
        'X-Forwarded-Proto': 'https',
      };
      expectRefused(
        await request(proxied).post('/write').set('Cookie', `jwt=${token}`).set(headers),
        403,
        'ERR_CSRF',
      );
      // The raw Host is what counts: a proxy that rewrites Host needs the public origin in csrf.origins.
      const internal = {
        Origin: 'https://app.test',
        Host: 'internal:3000',
        'X-Forwarded-Host': 'app.test',
        'X-Forwarded-Proto': 'https',
      };
      expectRefused(
        await request(proxied).post('/write').set('Cookie', `jwt=${token}`).set(internal),
        403,
        'ERR_CSRF',
      );
      const listed = variant.build(
        createAuth({ key: hs256(SECRET), now: () => NOW_MS, csrf: { origins: ['https://app.test'] } }),
        true,
      );
      expect((await request(listed).post('/write').set('Cookie', `jwt=${token}`).set(internal)).status).toBe(
        200,
      );
    });

    it('a lower-case method never reaches the app (Node refuses it), and the core treats it as unsafe', async () => {
      const httpServer = createServer(app as unknown as RequestListener).listen(0, '127.0.0.1');
      await new Promise((resolve) => httpServer.once('listening', resolve));
      try {
        const { port } = httpServer.address() as AddressInfo;
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.end(
              `post /write HTTP/1.1\r\nHost: app.test\r\nOrigin: ${EVIL}\r\nCookie: jwt=${token}\r\nContent-Length: 0\r\n\r\n`,
            );
          });
          let data = '';
          socket.on('data', (chunk: Buffer) => void (data += chunk.toString()));
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      } finally {
        httpServer.close();
      }
      for (const method of ['post', 'Post', 'delete', 'put', 'PATCH', 'PROPFIND', 'CONNECT']) {
        const err = await auth
          .authenticate({ method, headers: { cookie: `jwt=${token}`, origin: EVIL } })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isAuthError(err) && err.code, method).toBe('ERR_CSRF');
      }
      for (const method of ['GET', 'get', 'HEAD', 'OPTIONS']) {
        expect(
          await auth.authenticate({ method, headers: { cookie: `jwt=${token}`, origin: EVIL } }),
          method,
        ).not.toBeNull();
      }
    });

    describe('signed double submit', () => {
      const double = setupWith(variant, memoryKind, { refresh: false, csrf: { header: 'x-csrf-token' } });
      const post = (access: string, headers: Record<string, string | string[]>): request.Test =>
        request(double.app).post('/write').set('Cookie', `jwt=${access}`).set(headers);

      it('the header must repeat this session’s csrf claim: missing, empty, doubled, another session’s or a lone cookie is a 403', async () => {
        const s = await login(double.app);
        const mine = await login(double.app);
        const refusals: Record<string, string | string[]>[] = [
          {},
          { 'x-csrf-token': '' },
          { 'x-csrf-token': [s.csrf, s.csrf] },
          { 'x-csrf-token': s.csrf.toUpperCase() },
          { 'x-csrf-token': mine.csrf },
          { 'X-CSRF-TOKEN': mine.csrf, Cookie: `jwt=${s.access}; csrf=${mine.csrf}` },
          { 'x-csrf-token': s.csrf, Origin: EVIL },
        ];
        for (const headers of refusals) expectRefused(await post(s.access, headers), 403, 'ERR_CSRF');
        expect((await post(s.access, { 'x-csrf-token': s.csrf })).status).toBe(200);
        expect(
          (await request(double.app).post('/write').set('Authorization', `Bearer ${s.access}`)).status,
        ).toBe(200);
      });

      it('a cookie token without a csrf claim is refused whatever the header says', async () => {
        const bare = await double.auth.issue({ sub: 'user-1' });
        for (const value of ['', 'undefined', 'null', '[object Object]'])
          expectRefused(await post(bare, { 'x-csrf-token': value }), 403, 'ERR_CSRF');
        expectRefused(await post(bare, {}), 403, 'ERR_CSRF');
      });
    });
  });

  describe('a store that cannot answer', () => {
    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const broken: SessionStore = { revoke: down, revokeSubject: down, status: down, useOnce: down };
    let session: Session;
    let auth: Auth;
    beforeAll(async () => {
      // Tokens made while the store still answered.
      const healthy = createAuth({ key: hs256(SECRET), refresh: { expiresIn: '30d' } });
      const started = await healthy.startSession({ sub: 'user-1', role: 'member' });
      const cookies = Object.fromEntries(started.cookies.map((c) => [c.split('=')[0]!, valueOf(c)]));
      session = { access: started.token, refresh: cookies['jwt-refresh']!, csrf: '' };
      auth = createAuth({ key: hs256(SECRET), store: broken, refresh: { expiresIn: '30d' } });
    });

    it('every guarded route and the refresh are 503 ERR_STORE_UNAVAILABLE, never a pass or a 401', async () => {
      const app = variant.build(auth);
      const body = {
        error: 'temporarily_unavailable',
        error_description: 'session store unavailable',
        code: 'ERR_STORE_UNAVAILABLE',
      };
      const calls = [
        required(app, session.access),
        bearer(app, session.access),
        request(app).get('/optional').set('Cookie', `jwt=${session.access}`),
        request(app).post('/write').set('Cookie', `jwt=${session.access}`),
        request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${session.access}`),
        refreshWith(app, session.refresh),
      ];
      for (const call of calls) {
        const res = await call;
        expect(res.status).toBe(503);
        expect(res.body).toEqual(body);
      }
    });

    it('failOpen lets requests through, but a refresh (a write that must be atomic) still fails closed', async () => {
      const open = variant.build(
        createAuth({ key: hs256(SECRET), store: broken, failOpen: true, refresh: { expiresIn: '30d' } }),
      );
      expect((await required(open, session.access)).status).toBe(200);
      expectRefused(await refreshWith(open, session.refresh), 503, 'ERR_STORE_UNAVAILABLE');
    });

    // The sign-out throws the AuthError into the app's own route; the framework renders its 503.
    it('/auth/logout during an outage is a 503, not a silent 204', async () => {
      expect((await logout(variant.build(auth), session.access)).status).toBe(503);
    });
  });

  describe('client input on the session routes is never a 500', () => {
    const { app } = setupWith(variant, memoryKind);
    const otherKey = createAuth({ key: hs256(OTHER_SECRET), refresh: { expiresIn: '30d' } });
    let foreign = '';
    beforeAll(async () => {
      const cookies = (await otherKey.startSession({ sub: 'user-1' })).cookies;
      foreign = valueOf(cookies.find((c) => c.startsWith('jwt-refresh=')));
    });

    const refreshCases: [string, string | string[] | undefined, number, string][] = [
      ['no cookie', undefined, 401, 'ERR_TOKEN_MISSING'],
      ['an empty refresh cookie', 'jwt-refresh=', 401, 'ERR_TOKEN_MISSING'],
      ['bad percent-encoding', 'jwt-refresh=%E0%A4%A', 401, 'ERR_TOKEN_MALFORMED'],
      ['three dots', 'jwt-refresh=a.b.c', 401, 'ERR_TOKEN_MALFORMED'],
      ['an oversized token', `jwt-refresh=${'a'.repeat(9000)}`, 401, 'ERR_TOKEN_MALFORMED'],
      ['two Cookie headers', ['jwt-refresh=a.b.c', 'jwt-refresh=x'], 401, 'ERR_TOKEN_MALFORMED'],
      [
        'an alg none token',
        `jwt-refresh=${handToken({ alg: 'none', typ: 'refresh+jwt' }, { sub: 'x', sid: 'y', jti: 'z', exp: 4e9 }, { signature: '' })}`,
        401,
        'ERR_ALG_NOT_ALLOWED',
      ],
      [
        'a token with a non-number exp',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', sid: 'y', jti: 'z', exp: '9999999999' }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
      [
        'a validly signed refresh token without sid',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', jti: 'z', exp: 4e9 }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
      [
        'a validly signed refresh token with an object sid',
        `jwt-refresh=${handToken({ alg: 'HS256', typ: 'refresh+jwt' }, { sub: 'x', jti: 'z', sid: {}, exp: 4e9 }, { hmac: SECRET })}`,
        401,
        'ERR_CLAIM_INVALID',
      ],
    ];
    it.each(refreshCases.map(([name, cookie, status, code]) => ({ name, cookie, status, code })))(
      'POST /auth/refresh with $name: $status $code',
      async ({ cookie, status, code }) => {
        const call = request(app).post('/auth/refresh');
        expectRefused(await (cookie === undefined ? call : call.set({ Cookie: cookie })), status, code);
      },
    );

    it('a refresh token of another key is ERR_SIGNATURE_INVALID; Authorization headers do not reach the refresh', async () => {
      expectRefused(await refreshWith(app, foreign), 401, 'ERR_SIGNATURE_INVALID');
      const s = await login(app);
      expectRefused(
        await request(app).post('/auth/refresh').set('Authorization', `Bearer ${s.refresh}`),
        401,
        'ERR_TOKEN_MISSING',
      );
      expectRefused(
        await request(app).post('/auth/refresh').set('Authorization', 'Bearer a b'),
        401,
        'ERR_TOKEN_MISSING',
      );
    });

    it('/auth/logout answers 204 and clears every cookie whatever the request carries', async () => {
      const s = await login(app);
      const odd: Record<string, string | string[]>[] = [
        { Authorization: 'Bearer a b' },
        { Authorization: ['Bearer x', 'Bearer y'] },
        { Cookie: 'jwt=%E0%A4%A' },
        { Cookie: `jwt=${'a'.repeat(9000)}` },
        { Cookie: ['jwt=a.b.c', 'jwt=x'] },
      ];
      for (const headers of odd) {
        const res = await request(app).post('/auth/logout').set(headers);
        expect(res.status).toBe(204);
        expect(setCookies(res).map((c) => c.split('=')[0])).toEqual(['jwt', 'jwt-refresh']);
      }
      // A forged cross-site sign-out revokes nothing. (Today it answers 204 and clears the cookies in
      // its response, as endSession swallows ERR_CSRF; that answer is not asserted here.)
      for (const headers of [{ Origin: EVIL }, { 'Sec-Fetch-Site': 'cross-site' }]) {
        expect((await logout(app, s.access).set(headers)).status).toBeLessThan(500);
      }
      expect((await required(app, s.access)).status).toBe(200);
      expect((await refreshWith(app, s.refresh)).status).toBe(204);
    });

    it('a bad Authorization header on a guarded POST is a 400, not a crash', async () => {
      expectRefused(
        await request(app).post('/write').set('Authorization', 'Bearer a b'),
        400,
        'ERR_BAD_REQUEST',
      );
      expectRefused(
        await request(app)
          .post('/auth/logout-everywhere')
          .set({ Authorization: ['Bearer x', 'Bearer y'] }),
        400,
        'ERR_BAD_REQUEST',
      );
    });
  });

  describe('the memory store under an attacker’s load', () => {
    it('stays within max while one account signs in, refreshes and signs out in a loop', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 20, now: () => clock });
      const app = variant.build(
        createAuth({
          key: hs256(SECRET),
          expiresIn: '15m',
          store,
          now: () => clock,
          refresh: { expiresIn: '30d' },
        }),
      );
      for (let i = 0; i < 12; i++) {
        const s = await login(app);
        let current = s.refresh;
        for (let j = 0; j < 2; j++) {
          const res = await refreshWith(app, current);
          expect(res.status).toBe(204);
          current = sessionOf(res).refresh;
        }
        expect((await logout(app, s.access)).status).toBe(204);
        expect(
          (
            await request(app)
              .post('/auth/logout-everywhere')
              .set('Authorization', `Bearer ${(await login(app)).access}`)
          ).status,
        ).toBe(204);
        clock += 1000;
        expect(store.size).toBeLessThanOrEqual(20);
      }
    });

    it('an account that floods the store never brings back another user’s revoked token or spent refresh token', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 30, now: () => clock });
      const app = variant.build(
        createAuth({
          key: hs256(SECRET),
          expiresIn: '15m',
          store,
          now: () => clock,
          refresh: { expiresIn: '30d' },
        }),
      );
      const victim = await login(app);
      const rotated = await refreshWith(app, victim.refresh);
      expect(rotated.status).toBe(204);
      expect((await logout(app, sessionOf(rotated).access)).status).toBe(204);
      // The attacker's own loop: sign in, refresh twice, sign out; about 5 entries a round.
      for (let i = 0; i < 20; i++) {
        clock += 1000;
        const s = await login(app);
        const once = await refreshWith(app, s.refresh);
        expect((await refreshWith(app, sessionOf(once).refresh)).status).toBe(204);
        expect((await logout(app, s.access)).status).toBe(204);
        expect(store.size).toBeLessThanOrEqual(30);
      }
      expectRefused(await required(app, sessionOf(rotated).access), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
      expectRefused(await refreshWith(app, sessionOf(rotated).refresh), 401, 'ERR_TOKEN_REVOKED');
      clock += 1000;
      const fresh = await login(app);
      expect((await required(app, fresh.access)).status).toBe(200);
    });

    // BUG: memory-store.ts makeRoom drops expired entries only from the front of each map and stops at
    // the first live one; a long-lived `sid:` revocation (exp + refresh.expiresIn) at the front shields
    // the expired `jti:` entries behind it, and is then evicted as "the oldest": the victim's stolen
    // refresh token works again although expired entries could have gone (README: "dropping expired
    // ones first").
    it('when full, drops expired entries before a live revocation', async () => {
      let clock = NOW_MS;
      const store = memoryStore({ max: 4, now: () => clock });
      const app = variant.build(
        createAuth({
          key: hs256(SECRET),
          expiresIn: '15m',
          store,
          now: () => clock,
          refresh: { expiresIn: '30d' },
        }),
      );
      const victim = await login(app);
      expect((await logout(app, victim.access)).status).toBe(204);
      const attacker = await login(app);
      expect((await logout(app, attacker.access)).status).toBe(204);
      expect(store.size).toBe(4);
      clock += 1000 * 1000; // both jti: revocations have expired; both sid: revocations live on
      const again = await login(app);
      expect((await logout(app, again.access)).status).toBe(204);
      expectRefused(await refreshWith(app, victim.refresh), 401, 'ERR_TOKEN_REVOKED');
    });
  });
});

describe('the core API: an outage at sign-out', () => {
  // The same bug as the per-variant `/logout during an outage` test, on the call every adapter makes.
  it('endSession rejects with ERR_STORE_UNAVAILABLE when the store cannot answer', async () => {
    const down = (): Promise<never> => Promise.reject(new Error('store down'));
    const token = await createAuth({ key: hs256(SECRET) }).issue({ sub: 'user-1' });
    const auth = createAuth({
      key: hs256(SECRET),
      store: { revoke: down, revokeSubject: down, status: down, useOnce: down },
    });
    const err = await auth.endSession({ headers: { cookie: `jwt=${token}` } }).revoked.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAuthError(err) && err.code).toBe('ERR_STORE_UNAVAILABLE');
  });
});

describe.runIf(runRedis)('a real Redis that goes away', () => {
  const downServer = redisServer();
  const body = {
    error: 'temporarily_unavailable',
    error_description: 'session store unavailable',
    code: 'ERR_STORE_UNAVAILABLE',
  };
  let fast: SessionStore;
  let queued: SessionStore;
  let session: Session;
  beforeAll(async () => {
    await downServer.start();
    const prefix = `attack-down-${process.pid}:`;
    fast = redisStore({ client: await connectClient(downServer.url), prefix, timeoutDuration: 300 });
    // A client that queues commands while disconnected: only timeoutDuration stands between it and a hang.
    queued = redisStore({
      client: await connectClient(downServer.url, { queue: true }),
      prefix,
      timeoutDuration: 300,
    });
    const started = await createAuth({
      key: hs256(SECRET),
      store: fast,
      refresh: { expiresIn: '30d' },
    }).startSession({ sub: 'user-1', role: 'member' });
    session = {
      access: started.token,
      refresh: valueOf(started.cookies.find((c) => c.startsWith('jwt-refresh='))),
      csrf: '',
    };
    await downServer.stop();
  });
  afterAll(async () => {
    await downServer.stop().catch(() => undefined);
  });

  describe.each(variants)('$name', (variant) => {
    it('503 ERR_STORE_UNAVAILABLE on every guarded route and the refresh, with either client; failOpen passes reads only', async () => {
      for (const store of [fast, queued]) {
        const app = variant.build(createAuth({ key: hs256(SECRET), store, refresh: { expiresIn: '30d' } }));
        const calls = [
          required(app, session.access),
          request(app).get('/optional').set('Cookie', `jwt=${session.access}`),
          request(app).post('/write').set('Authorization', `Bearer ${session.access}`),
          request(app).post('/auth/logout-everywhere').set('Cookie', `jwt=${session.access}`),
          refreshWith(app, session.refresh),
        ];
        for (const res of await Promise.all(calls)) {
          expect(res.status).toBe(503);
          expect(res.body).toEqual(body);
        }
      }
      const open = variant.build(
        createAuth({ key: hs256(SECRET), store: fast, failOpen: true, refresh: { expiresIn: '30d' } }),
      );
      expect((await required(open, session.access)).status).toBe(200);
      expectRefused(await refreshWith(open, session.refresh), 503, 'ERR_STORE_UNAVAILABLE');
    });

    (variant.name === 'Express 4' ? it.skip : it)(
      '/auth/logout while Redis is down is a 503, not a silent 204',
      async () => {
        const app = variant.build(
          createAuth({ key: hs256(SECRET), store: fast, refresh: { expiresIn: '30d' } }),
        );
        expect((await logout(app, session.access)).status).toBe(503);
      },
    );
  });
});

// A login's generation must never be reached again by a later "log out everywhere": every login
// issued before a log-out-everywhere returned is refused afterwards, however the store came to forget
// the earlier generation (its cut ended with maxTokenAge, a full memory store let it go, Redis lost it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuth,
  hs256,
  memoryStore,
  redisStore,
  rs256,
  type Auth,
  type SessionStore,
} from '../../src/index.js';
import { NOW_MS, SECRET, fixture } from '../helpers.js';
import { redisClients, runRedis } from '../support/store-kinds.js';
import { redisServer } from '../stores/redis-server.js';

const server = redisServer();
const connect = redisClients();
let prefixes = 0;
const tag = Math.random().toString(36).slice(2, 8);
const freshPrefix = (): string => `review-${process.pid}-${tag}-${++prefixes}:`;
beforeAll(async () => {
  if (runRedis) await server.start();
});
afterAll(async () => {
  if (runRedis) await server.stop().catch(() => undefined);
});

type Make = (now: () => number) => Promise<SessionStore>;
const kinds: [string, Make][] = [
  ['memory', async (now) => memoryStore({ now })],
  ...(runRedis
    ? [
        [
          'redis',
          async (now: () => number) =>
            redisStore({ client: await connect(server.url), prefix: freshPrefix(), now, nearCache: false }),
        ] as [string, Make],
      ]
    : []),
];

const refreshOf = (cookies: readonly string[]): string =>
  cookies
    .find((c) => c.startsWith('jwt-refresh='))!
    .split(';')[0]!
    .slice('jwt-refresh='.length);

const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'error';

/** 'accepted', or the code it was refused with. */
const verdict = (auth: Auth, token: string): Promise<string> =>
  auth.verify(token).then(
    () => 'accepted',
    (err: unknown) => codeOf(err),
  );

/** One login, kept alive by refreshing it; `token` and `refresh` are its latest. */
async function keepAlive(
  auth: Auth,
): Promise<{ latest(): { token: string; refresh: string }; refresh(): Promise<void> }> {
  let { token, cookies } = await auth.startSession({ sub: 'user-1' });
  let refresh = refreshOf(cookies);
  return {
    latest: () => ({ token, refresh }),
    async refresh() {
      ({ token, cookies } = await auth.refresh({ headers: { cookie: `jwt-refresh=${refresh}` } }));
      refresh = refreshOf(cookies);
    },
  };
}

describe.each(kinds)('%s store', (_name, make) => {
  it('maxTokenAge: once the first cut has ended, a second log out everywhere still ends a login made between the two', async () => {
    let clock = NOW_MS;
    const store = await make(() => clock);
    const at = (seconds: number): void => void (clock = NOW_MS + seconds * 1000);
    // Short access tokens, a 30-day login, and no token older than an hour: the README's own mix.
    const auth = createAuth({
      key: hs256(SECRET),
      store,
      now: () => clock,
      expiresIn: '15m',
      maxTokenAge: '1h',
      refresh: { expiresIn: '30d' },
    });
    await auth.revokeSubject('user-1');
    at(10);
    // Signed in after the first log out everywhere: its sid carries generation 1.
    const login = await keepAlive(auth);
    at(3000);
    await login.refresh();
    at(6000);
    await login.refresh();
    expect(await verdict(auth, login.latest().token)).toBe('accepted');
    // The first cut ended at 3600 s (maxTokenAge). The user logs out everywhere again.
    await auth.revokeSubject('user-1');
    expect(await verdict(auth, login.latest().token)).toBe('ERR_TOKEN_REVOKED');
    await expect(
      auth.refresh({ headers: { cookie: `jwt-refresh=${login.latest().refresh}` } }),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

describe('memory store', () => {
  it('a full store lets a cut go: a second log out everywhere still ends a login made between the two', async () => {
    let clock = NOW_MS;
    // The cut, the login's record and one revocation fill it.
    const store = memoryStore({ now: () => clock, max: 3 });
    const auth = createAuth({ key: hs256(SECRET), store, now: () => clock, expiresIn: '1h' });
    await auth.revokeSubject('user-1');
    clock += 10_000;
    const { token } = await auth.startSession({ sub: 'user-1' });
    // Two short tokens of other users are revoked: the store is full, and user-1's cut, the oldest
    // live entry, goes (every token issued before it is refused: the store's floor).
    for (const sub of ['other-1', 'other-2']) {
      clock += 1000;
      await auth.revoke(await auth.verify(await auth.issue({ sub }, { expiresIn: 5 })));
    }
    clock += 60_000;
    expect(await verdict(auth, token)).toBe('accepted');
    await auth.revokeSubject('user-1');
    expect(await verdict(auth, token)).toBe('ERR_TOKEN_REVOKED');
  });
});

describe.runIf(runRedis)('redis store', () => {
  it('Redis restarted empty (no persistence) between two log outs everywhere: the second still ends a login made between them', async () => {
    const own = redisServer();
    await own.start();
    try {
      const client = await connect(own.url);
      const auth = createAuth({
        key: hs256(SECRET),
        store: redisStore({ client, prefix: freshPrefix(), nearCache: false }),
        expiresIn: '1h',
      });
      await auth.revokeSubject('user-1');
      // Signed in after the first log out everywhere, at generation 1.
      const { token } = await auth.startSession({ sub: 'user-1' });
      // Redis restarts and loses the first cut, as docs/many-instances.md says it may; the login made after it is legitimate.
      await own.stop();
      await own.start();
      let done = false;
      for (let i = 0; i < 50 && !done; i++) {
        done = await auth.revokeSubject('user-1').then(
          () => true,
          async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            return false;
          },
        );
      }
      expect(done).toBe(true);
      // This log out everywhere returned after the restart: the login must be refused.
      expect(await verdict(auth, token)).toBe('ERR_TOKEN_REVOKED');
    } finally {
      await own.stop();
    }
  }, 30_000);
});

// One authority signs, another service verifies with its public key and keeps a store of its own (the
// default memoryStore): the authority's sid carries the authority's generation, not the verifier's.
describe('a verifier of another service’s tokens, with a store of its own', () => {
  const authorityOf = (clock: () => number): Auth =>
    createAuth({
      key: rs256({
        privateKey: fixture('test-only-rsa-2048-private.pem'),
        publicKey: fixture('test-only-rsa-2048-public.pem'),
      }),
      issuer: 'https://auth.example',
      store: memoryStore({ now: clock }),
      now: clock,
    });
  const verifierOf = (clock: () => number): Auth =>
    createAuth({
      key: rs256({ publicKey: fixture('test-only-rsa-2048-public.pem') }),
      issuer: 'https://auth.example',
      now: clock,
    });

  it('its log out everywhere ends a login the authority made before it, whatever the authority’s generation', async () => {
    let clock = NOW_MS;
    const authority = authorityOf(() => clock);
    const verifier = verifierOf(() => clock);
    // The user logged out everywhere twice at the authority, then signed in: generation 2 there.
    await authority.revokeSubject('user-1');
    await authority.revokeSubject('user-1');
    clock += 10_000;
    const { token } = await authority.startSession({ sub: 'user-1' });
    clock += 10_000;
    await verifier.revokeSubject('user-1');
    expect(await verdict(verifier, token)).toBe('ERR_TOKEN_REVOKED');
  });

  it('a login the authority makes after the verifier’s log out everywhere works there, once the authority’s clock cannot be behind it', async () => {
    let clock = NOW_MS;
    const authority = authorityOf(() => clock);
    const verifier = verifierOf(() => clock);
    await verifier.revokeSubject('user-1');
    // The verifier's key only verifies: 60 s of tolerance by default, so an authority up to 60 s ahead
    // may have signed, before the cut, what says it was signed up to twice that later.
    clock += 10_000;
    const early = await authority.startSession({ sub: 'user-1' });
    expect(await verdict(authority, early.token)).toBe('accepted');
    expect(await verdict(verifier, early.token)).toBe('ERR_TOKEN_REVOKED');
    clock += 111_000;
    const { token } = await authority.startSession({ sub: 'user-1' });
    expect(await verdict(authority, token)).toBe('accepted');
    expect(await verdict(verifier, token)).toBe('accepted');
  });

  it('with the tolerance of the app’s own instances (1 s), a login 3 s after works there', async () => {
    let clock = NOW_MS;
    const authority = authorityOf(() => clock);
    const verifier = createAuth({
      key: rs256({ publicKey: fixture('test-only-rsa-2048-public.pem') }),
      issuer: 'https://auth.example',
      clockTolerance: 1,
      now: () => clock,
    });
    await verifier.revokeSubject('user-1');
    clock += 3_000;
    const { token } = await authority.startSession({ sub: 'user-1' });
    expect(await verdict(verifier, token)).toBe('accepted');
  });
});

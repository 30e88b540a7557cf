// Instances whose clocks disagree, within clockTolerance: "log out everywhere" is decided by what they
// share (the subject's generation in the store), not by comparing one clock with another, and every
// entry about a token outlives what any of the instances may still accept.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore, redisStore, type Auth, type SessionStore } from '../../src/index.js';
import { SECRET } from '../helpers.js';
import { ownRedis } from '../stores/own-redis.js';
import { runRedis } from '../stores/redis-server.js';

const { redis, freshPrefix } = ownRedis('skew');

const TOLERANCE = 30;
type Make = (trueNow: () => number) => { store: SessionStore; prefix?: string };
const kinds: [string, Make][] = [
  // The memory store keeps true time; Redis keeps its own (real) clock.
  ['memory', (trueNow) => ({ store: memoryStore({ now: trueNow }) })],
  ...(runRedis
    ? [
        [
          'redis',
          () => {
            const prefix = freshPrefix();
            return { store: redisStore({ client: redis(), prefix, nearCache: false }), prefix };
          },
        ] as [string, Make],
      ]
    : []),
];

const refreshCookie = (cookies: readonly string[]): string =>
  cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;

describe.each(kinds)('%s store', (_name, make) => {
  /** Two instances on one store, their clocks `aheadA` and `aheadB` seconds ahead of true time; `shift` moves time on. */
  function instances(
    aheadA: number,
    aheadB = 0,
  ): { a: Auth; b: Auth; shift: (seconds: number) => void; prefix?: string } {
    let offset = 0;
    const { store, prefix } = make(() => Date.now() + offset);
    const options = {
      key: hs256(SECRET),
      store,
      clockTolerance: TOLERANCE,
      refresh: { expiresIn: '30d' },
    } as const;
    return {
      a: createAuth({ ...options, now: () => Date.now() + offset + aheadA * 1000 }),
      b: createAuth({ ...options, now: () => Date.now() + offset + aheadB * 1000 }),
      shift: (seconds) => (offset += seconds * 1000),
      ...(prefix === undefined ? {} : { prefix }),
    };
  }

  it('A’s clock 20 s ahead: a login A issued 3 s before B’s log out everywhere is refused on both, and its refresh token too', async () => {
    const { a, b, shift } = instances(20);
    const before = await a.startSession({ sub: 'user-1' });
    shift(3);
    await b.revokeSubject('user-1');
    for (const instance of [a, b]) {
      await expect(instance.verify(before.token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
      await expect(
        instance.refresh({ headers: { cookie: refreshCookie(before.cookies) } }),
      ).rejects.toMatchObject({
        code: 'ERR_TOKEN_REVOKED',
      });
    }
  });

  it('a login right after log out everywhere works at once, on the instance ahead and on the one behind', async () => {
    const { a, b } = instances(20);
    await a.startSession({ sub: 'user-1' });
    await b.revokeSubject('user-1');
    for (const issuer of [a, b]) {
      const { token, cookies } = await issuer.startSession({ sub: 'user-1' });
      for (const verifier of [a, b])
        await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
      const refreshed = await b.refresh({ headers: { cookie: refreshCookie(cookies) } });
      await expect(a.verify(refreshed.token)).resolves.toMatchObject({ sub: 'user-1' });
    }
  });

  it('B’s clock 20 s ahead logs out everywhere: A’s login of a second later (true time) is not held back', async () => {
    const { a, b, shift } = instances(0, 20);
    await b.revokeSubject('user-1');
    shift(1);
    const { token } = await a.startSession({ sub: 'user-1' });
    for (const verifier of [a, b])
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a token revoked by the instance ahead stays revoked for as long as the instance behind may accept it', async () => {
    // A 25 s ahead, B 25 s behind true time: both within the tolerance of it, 50 s apart.
    const { a, b, shift, prefix } = instances(25, -25);
    const token = await b.issue({ sub: 'user-1' }, { expiresIn: 60 });
    const { exp, jti } = await b.verify(token);
    await a.revoke(await a.verify(token));
    if (prefix !== undefined) {
      // Redis ends the entry by its own clock: it must outlive exp + 2 × clockTolerance.
      const end = Number(await redis().hget(`${prefix}{sub:user-1}`, `i:jti:${jti}`));
      expect(end).toBeGreaterThanOrEqual(exp! + 2 * TOLERANCE);
    }
    // B accepts the token up to exp + tolerance by its clock, 55 s later in true time: still refused then.
    shift(60 + TOLERANCE - 1);
    await expect(b.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

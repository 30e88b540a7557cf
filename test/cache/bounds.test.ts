// The cache's bounds: never more than max entries, least recently used first, and no header kept alive.
import v8 from 'node:v8';
import vm from 'node:vm';
import express5 from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import * as forExpress from '../../adapters/express.js';
import { createAuth, type AuthOptions } from '../../src/index.js';
import { TokenCache } from '../../src/token/cache.js';
import { NOW, countingProvider } from '../helpers.js';
import { claims, hsToken, options } from '../support/cache.js';

describe('the cache’s bounds', () => {
  it('never holds more than max under a stream of distinct valid tokens: the least recently used goes', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider, cache: { max: 3 } }));
    const tokens = Array.from({ length: 50 }, (_, i) => hsToken({ ...claims, sub: `u${i}` }));
    for (const t of tokens) await auth.verify(t);
    let before = reads();
    for (const t of tokens.slice(-3)) await auth.verify(t);
    expect(reads()).toBe(before);
    before = reads();
    await auth.verify(tokens[0]!);
    expect(reads()).toBe(before + 1);
  });

  it('TokenCache against a reference LRU: random sets and gets with colliding tails and a wandering clock', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const tails = Array.from({ length: 8 }, (_, i) => `tail-${String(i).padStart(27, '0')}`);
    const tokens = tails.flatMap((tail, i) => [`h.p${i}a.${tail}`, `h.p${i}b.${tail}`]);
    interface Row {
      tail: string;
      token: string;
      value: number;
      expires: number;
      notBefore: number;
    }
    for (const max of [1, 2, 3, 5, 16]) {
      const cache = new TokenCache<number>({ max });
      let model: Row[] = []; // oldest first
      for (let step = 0; step < 4000; step++) {
        const token = tokens[rand(tokens.length)]!;
        const tail = token.slice(-32);
        const now = NOW + rand(40);
        if (rand(2) === 0) {
          const expires = NOW + rand(50);
          const notBefore = rand(3) === 0 ? NOW + rand(20) : undefined;
          cache.set(token, step, { expires, ...(notBefore === undefined ? {} : { notBefore }) }, now);
          if (now < expires) {
            const found = model.find((r) => r.tail === tail);
            const row: Row = { tail, token, value: step, expires, notBefore: notBefore ?? -Infinity };
            if (found) model = model.filter((r) => r !== found);
            else if (model.length >= max) model.shift();
            model.push(row);
          }
        } else {
          const got = cache.get(token, now);
          const found = model.find((r) => r.tail === tail);
          let expected: number | undefined;
          if (found !== undefined && found.token === token) {
            if (!(now < found.expires)) model = model.filter((r) => r !== found);
            else if (now >= found.notBefore) {
              expected = found.value;
              model = [...model.filter((r) => r !== found), found];
            }
          }
          expect(got).toBe(expected);
        }
        expect(cache.size).toBe(model.length);
        expect(cache.size).toBeLessThanOrEqual(max);
      }
    }
  });

  describe('memory: a cached token must not keep its whole request header alive', () => {
    const gc = (): void => {
      v8.setFlagsFromString('--expose-gc');
      (vm.runInNewContext('gc') as () => void)();
    };
    const heap = (): number => {
      gc();
      gc();
      return v8.getHeapStatistics().used_heap_size;
    };
    const padding = 12_000;
    // A flat string, as Node's HTTP parser hands header values over.
    const flat = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');

    const COUNT = 300;
    const bound = COUNT * 2048 * 1.5; // token/cache.ts: "at most max × maxTokenLength bytes"; docs/performance.md: "about 0.7 KB per HS256 token"
    const attackerTokens = (): string[] =>
      Array.from({ length: COUNT }, (_, i) => hsToken({ ...claims, sub: `attacker-login-${i}` }));

    it.each([
      ['a plain Bearer header (control)', (token: string) => ({ authorization: flat(`Bearer ${token}`) })],
      // Spaces between the scheme and the token are inside the field value: HTTP parsers keep them.
      [
        'a Bearer header padded between scheme and token',
        (token: string) => ({ authorization: flat(`Bearer${' '.repeat(padding)}${token}`) }),
      ],
      [
        'a cookie header with other cookies',
        (token: string) => ({ cookie: flat(`other=${'x'.repeat(padding)}; jwt=${token}`) }),
      ],
    ] as const)('%s: the cached tokens stay near maxTokenLength each', async (_name, headersFor) => {
      const auth = createAuth(options({ cache: { max: 1000 } }));
      const tokens = attackerTokens();
      const before = heap();
      for (const token of tokens) {
        const res = await auth.authenticate({ headers: headersFor(token) });
        expect(res?.claims.sub).toMatch(/^attacker-login-/);
      }
      const grown = heap() - before;
      expect(grown).toBeLessThan(bound);
      // Still held: the cache is alive and every token still passes.
      await expect(auth.verify(tokens[0]!)).resolves.toBeDefined();
    });

    it('over real HTTP (Express 5): padded Cookie headers are not kept alive by the cache', async () => {
      // What the same requests leave behind with cache: false is the baseline: only the cache's share counts.
      const growth = async (cache: NonNullable<AuthOptions['cache']>): Promise<number> => {
        const auth = createAuth(options({ cache }));
        const app = express5();
        app.get('/required', forExpress.requireAuth(auth), (_req, res) => {
          res.sendStatus(204);
        });
        const server = app.listen(0, '127.0.0.1');
        await new Promise<void>((resolve) => server.once('listening', () => resolve()));
        try {
          const tokens = attackerTokens();
          const before = heap();
          for (const token of tokens) {
            const res = await request(server)
              .get('/required')
              .set('Cookie', `pad=${'x'.repeat(padding)}; jwt=${token}`);
            expect(res.status).toBe(204);
          }
          const grown = heap() - before;
          await expect(auth.verify(tokens[0]!)).resolves.toBeDefined();
          return grown;
        } finally {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      };
      const without = await growth(false);
      const withCache = await growth({ max: 1000 });
      expect(withCache - without).toBeLessThan(bound);
    });
  });
});

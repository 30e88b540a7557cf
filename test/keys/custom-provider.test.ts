// A key provider of the app's own that answers with something other than a key: a programming error of
// the app, named as such (a TypeError that says what is wrong), never a token refusal (a 401 the
// operator would read as a bad token).
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireAuth } from '../../adapters/express.js';
import { createAuth, hs256, type BoundKey, type KeyProvider } from '../../src/index.js';
import { SECRET, caught, fixedNow, handToken, NOW } from '../helpers.js';

const hs = hs256(SECRET);
const key = hs.keys?.[0] as BoundKey;
const token = handToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'u1', exp: NOW + 60 }, { hmac: SECRET });

/** A provider whose verifyKey answers `answer`, as a custom provider written in JavaScript may. */
const answering = (answer: unknown, later = false): KeyProvider => ({
  algorithms: ['HS256'],
  verifyKey: () => (later ? Promise.resolve(answer) : answer) as BoundKey,
});

describe('a custom provider whose verifyKey answers something other than a key', () => {
  const wrong: [string, unknown, RegExp][] = [
    ['a list of keys', [key], /verifyKey returned an array/],
    ['the KeyObject alone', key.key, /verifyKey returned an object without/],
    ['a PEM string', 'secret', /verifyKey returned a string/],
    ['{ alg, key } with the key as a string', { alg: 'HS256', key: SECRET }, /without a KeyObject/],
    ['{ alg, key } with an unknown alg', { alg: 'hs256', key: key.key }, /an alg jwt-gate does not know/],
    ['a number', 42, /verifyKey returned a number/],
  ];

  it.each(wrong)(
    '%s: a TypeError that says so, at the first call, never an AuthError',
    async (_, answer, message) => {
      for (const later of [false, true]) {
        const auth = createAuth({ key: answering(answer, later), now: fixedNow });
        const err = await auth.verify(token).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(TypeError);
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).toMatch(/\{ alg, key: KeyObject, kid\? \} or undefined/);
        expect((err as Error).message).not.toContain(SECRET);
        expect((err as { code?: unknown }).code).toBeUndefined();
      }
    },
  );

  it('null is no key, as undefined is: ERR_KEY_NOT_FOUND', async () => {
    const auth = createAuth({ key: answering(null), now: fixedNow });
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
  });

  it('under requireAuth the error reaches the app, as any provider failure does: a 500, not a 401', async () => {
    const auth = createAuth({ key: answering([key]), now: fixedNow });
    const seen: unknown[] = [];
    const app = express();
    app.get('/', requireAuth(auth), (_req, res) => res.json({ reached: true }));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(err);
      res.status(500).json({ failed: true });
    });
    const res = await request(app).get('/').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(500);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toMatch(/verifyKey returned an array/);
  });

  it.each([
    ['one key, not a list', (): unknown => key, /fallbackKeys returned an object that is no list/],
    ['a list of lists', (): unknown => [[key]], /fallbackKeys returned a list with a member that is no key/],
    ['a string', (): unknown => 'secret', /fallbackKeys returned a string/],
  ])('fallbackKeys that answers %s is named the same way', async (_, answer, message) => {
    const other = hs256('another-test-secret-0123456789abcdef-0123').keys?.[0] as BoundKey;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => other,
      fallbackKeys: answer as () => readonly BoundKey[],
    };
    const auth = createAuth({ key: provider, now: fixedNow });
    await expect(auth.verify(token)).rejects.toThrow(message);
  });
});

describe('a custom provider of the wrong shape, found when createAuth takes it', () => {
  const none = (): undefined => undefined;
  it.each([
    ['an algorithm jwt-gate does not know', { algorithms: ['rs256'], verifyKey: none }],
    ['an algorithm that is no string', { algorithms: [256], verifyKey: none }],
    ['no algorithms at all', { algorithms: [], verifyKey: none }],
  ])('%s: a TypeError naming "key"', (_, provider) => {
    const err = caught(() => createAuth({ key: provider as unknown as KeyProvider }));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/"key" must be a key provider whose algorithms are among HS256, RS256/);
  });

  it('a signingKey that answers a list: a TypeError at issue that says so', async () => {
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => key,
      signingKey: () => [key] as unknown as BoundKey,
    };
    const auth = createAuth({ key: provider, now: fixedNow });
    await expect(auth.issue({ sub: 'u1' })).rejects.toThrow(/signingKey returned an array/);
  });
});

// A hit still asks the key provider: a withdrawn, swapped or failing key ends the cached verdict at once.
import { createPublicKey, createSecretKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  createAuth,
  hs256,
  jwks,
  keySet,
  type BoundKey,
  type JwsHeader,
  type KeyProvider,
} from '../../src/index.js';
import { NOW_MS, OTHER_SECRET, SECRET, fixedNow, fixture, handToken, refusal } from '../helpers.js';
import { claims, good, hsToken, inner, noSyncThrow, options, verdict } from '../support/cache.js';

describe('key providers on a hit', () => {
  it('a provider that answers with a new BoundKey each call (same KeyObject) keeps verdicts; withdrawing ends them', async () => {
    let live = true;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => (live ? { alg: 'HS256', key: inner.key } : undefined),
    };
    const auth = createAuth(options({ key: provider }));
    for (let i = 0; i < 3; i++) await expect(auth.verify(good)).resolves.toMatchObject({ sub: 'user-1' });
    live = false;
    for (let i = 0; i < 2; i++)
      await expect(auth.verify(good)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    live = true;
    await expect(auth.verify(good)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a provider that answers with a new KeyObject each call: same secret passes, another secret under the same kid fails', async () => {
    let secret = SECRET;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => ({ alg: 'HS256', key: createSecretKey(Buffer.from(secret)) }),
    };
    const auth = createAuth(options({ key: provider }));
    for (let i = 0; i < 2; i++) await expect(auth.verify(good)).resolves.toBeDefined();
    secret = OTHER_SECRET;
    for (let i = 0; i < 2; i++)
      await expect(auth.verify(good)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });

  it('an async provider (remote-JWKS style) that withdraws or swaps a kid ends the entry at once', async () => {
    const keys = new Map<string, BoundKey>([['k1', inner]]);
    let calls = 0;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: async (header: JwsHeader) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        return header.kid === undefined ? undefined : keys.get(header.kid);
      },
    };
    const auth = createAuth(options({ key: provider, realm: 'shop' }));
    const token = hsToken(claims, { alg: 'HS256', typ: 'JWT', kid: 'k1' });
    for (let i = 0; i < 2; i++) await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    expect(calls).toBe(2);
    keys.delete('k1');
    const err = await refusal(auth.verify(token));
    expect(err.code).toBe('ERR_KEY_NOT_FOUND');
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
    keys.set('k1', hs256(OTHER_SECRET).keys![0]!);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    keys.set('k1', inner);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('an async provider that fails on a hit fails the verification (503), never serves the entry', async () => {
    let down = false;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: (): Promise<BoundKey> =>
        down ? Promise.reject(new AuthError('ERR_KEYS_UNAVAILABLE')) : Promise.resolve(inner),
    };
    const auth = createAuth(options({ key: provider }));
    await auth.verify(good);
    await auth.verify(good);
    down = true;
    const pending = noSyncThrow(() => auth.verify(good));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', status: 503 });
    const auth2 = noSyncThrow(() => auth.authenticate({ headers: { authorization: `Bearer ${good}` } }));
    await expect(auth2).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
  });

  it('a verifyKey that throws synchronously on a hit is a rejected promise', async () => {
    let explode = false;
    const provider: KeyProvider = {
      algorithms: ['HS256'],
      verifyKey: () => {
        if (explode) throw new AuthError('ERR_KEY_NOT_FOUND');
        return inner;
      },
    };
    const auth = createAuth(options({ key: provider }));
    await auth.verify(good);
    explode = true;
    await expect(noSyncThrow(() => auth.verify(good))).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
  });

  it('keySet rotation: a removed kid ends the entry, a reused kid with another key fails the signature', async () => {
    const a = hs256({ secret: SECRET, kid: 'a' });
    const b = hs256({ secret: OTHER_SECRET, kid: 'b' });
    let current = keySet([a, b], { active: 'a' });
    const provider: KeyProvider = { algorithms: ['HS256'], verifyKey: (h) => current.verifyKey(h) };
    const auth = createAuth(options({ key: provider }));
    const token = hsToken(claims, { alg: 'HS256', typ: 'JWT', kid: 'a' });
    const noKid = good;
    for (let i = 0; i < 2; i++) {
      await expect(auth.verify(token)).resolves.toBeDefined();
      await expect(auth.verify(noKid)).resolves.toBeDefined();
    }
    current = keySet([b], { active: 'b' });
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    // No kid means the active key, now b: the cached verdict for a's secret must not survive.
    await expect(auth.verify(noKid)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    current = keySet([hs256({ secret: OTHER_SECRET, kid: 'a' })], { active: 'a' });
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    current = keySet([a], { active: 'a' });
    await expect(auth.verify(token)).resolves.toBeDefined();
  });

  it('a provider that stops allowing an algorithm refuses cached tokens of it, as without the cache', async () => {
    // KeyProvider: "a token whose alg is not in `algorithms` is refused before any crypto runs".
    let allowHs = true;
    const make = (): KeyProvider => ({
      get algorithms() {
        return allowHs ? (['HS256'] as const) : ([] as const);
      },
      verifyKey: () => inner,
    });
    const cached = createAuth(options({ key: make() }));
    const plain = createAuth(options({ key: make(), cache: false }));
    expect(await verdict(cached.verify(good))).toBe('ok');
    expect(await verdict(cached.verify(good))).toBe('ok');
    allowHs = false;
    expect(await verdict(plain.verify(good))).toBe('ERR_ALG_NOT_ALLOWED');
    expect(await verdict(cached.verify(good))).toBe('ERR_ALG_NOT_ALLOWED');
  });

  describe('real jwks() against a loopback server', () => {
    const servers: Server[] = [];
    afterAll(async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    });
    const jwkOf = (pem: string, kid: string): JsonWebKey => ({
      ...createPublicKey(pem).export({ format: 'jwk' }),
      alg: 'RS256',
      use: 'sig',
      kid,
    });

    it('a kid withdrawn from the served set ends the cached entry at the next refetch', async () => {
      const K1 = jwkOf(fixture('test-only-rsa-2048-public.pem'), 'k1');
      const K2 = jwkOf(fixture('test-only-rsa-2048-b-public.pem'), 'k2');
      let served: JsonWebKey[] = [K1, K2];
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: served }));
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      let t = NOW_MS;
      const auth = createAuth({
        key: jwks({ url, now: () => t, cacheMaxAge: 1000, cooldownDuration: 1 }),
        now: fixedNow,
        store: false,
      });
      const token = handToken({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, claims, {
        rsaPem: fixture('test-only-rsa-2048-private.pem'),
      });
      for (let i = 0; i < 2; i++) await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
      served = [K2];
      t += 2000;
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
      // The issuer swaps another key in under the same kid: the old signature no longer verifies.
      served = [{ ...K2, kid: 'k1' }];
      t += 2000;
      await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
      served = [K1];
      t += 2000;
      await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    });
  });
});

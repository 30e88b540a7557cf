// Attacks on the verified-token cache (src/verifier.ts, src/token-cache.ts) and on the verify path that
// stays synchronous until something answers with a promise. Every test asserts the secure behaviour.
import { createHmac, createPublicKey, createSecretKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import express5 from 'express';
import Koa3 from 'koa';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as forExpress from '../adapters/express.js';
import * as forKoa from '../adapters/koa.js';
import {
  AuthError,
  createAuth,
  hs256,
  isAuthError,
  jwks,
  keySet,
  memoryStore,
  redisStore,
  rs256,
  type Auth,
  type AuthOptions,
  type BoundKey,
  type Claims,
  type JwsHeader,
  type KeyProvider,
} from '../src/index.js';
import { TokenCache } from '../src/token/cache.js';
import { variants } from './adapters/apps.js';
import {
  NOW,
  NOW_MS,
  SECRET,
  b64,
  countingProvider,
  fixedNow,
  fixture,
  handToken,
  refusal,
} from './helpers.js';
import { redisAvailable, redisServer } from './stores/redis-server.js';

// ---- helpers -------------------------------------------------------------------------------

const OTHER_SECRET = 'another-test-secret-0123456789abcdef-0123';
const claims = {
  sub: 'user-1',
  role: 'member',
  roles: ['member'],
  aud: 'api',
  iat: NOW - 10,
  exp: NOW + 3600,
};
const hsToken = (
  payload: object | string = claims,
  header: object = { alg: 'HS256', typ: 'JWT' },
  secret: string = SECRET,
): string => handToken(header, payload, { hmac: secret });
const good = hsToken();

/** 'ok', an AuthError code, or the name of any other error: what a verification came to. */
const verdict = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (isAuthError(e) ? e.code : `${(e as Error).name}: ${(e as Error).message}`),
  );

/** Calls `fn` and returns what it returned, failing the test on a synchronous throw. */
function noSyncThrow<T>(fn: () => T): T {
  let result: T | undefined;
  expect(() => {
    result = fn();
  }).not.toThrow();
  return result as T;
}

const inner = hs256(SECRET).keys?.[0] as BoundKey;

const options = (extra: Partial<AuthOptions> = {}): AuthOptions => ({
  key: hs256(SECRET),
  now: fixedNow,
  store: false,
  ...extra,
});
const pair = (extra: Partial<AuthOptions> = {}): { cached: Auth; plain: Auth } => ({
  cached: createAuth(options({ cache: { max: 100 }, ...extra })),
  plain: createAuth(options({ cache: false, ...extra })),
});

// ---- instances share nothing ---------------------------------------------------------------

describe('two Auth instances', () => {
  it('a token cached by one instance is judged by the other one’s own issuer, audience and clock', async () => {
    const key = hs256(SECRET);
    const a = createAuth({ key, issuer: 'https://a.test', audience: 'api-a', now: fixedNow, store: false });
    const b = createAuth({ key, issuer: 'https://b.test', audience: 'api-b', now: fixedNow, store: false });
    const later = createAuth({
      key,
      issuer: 'https://a.test',
      audience: 'api-a',
      now: () => NOW_MS + 7200_000,
      store: false,
    });
    const forA = hsToken({ ...claims, iss: 'https://a.test', aud: 'api-a' });
    for (let i = 0; i < 3; i++) {
      await expect(a.verify(forA)).resolves.toMatchObject({ iss: 'https://a.test' });
      await expect(b.verify(forA)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'iss' });
      await expect(later.verify(forA)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    }
    // Same issuer, other audience: refused even right after the first instance's hit.
    const c = createAuth({ key, issuer: 'https://a.test', audience: 'api-c', now: fixedNow, store: false });
    await expect(a.verify(forA)).resolves.toBeDefined();
    await expect(c.verify(forA)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'aud' });
  });

  it('subject and requiredClaims are rechecked per instance on a hit', async () => {
    const key = hs256(SECRET);
    const open = createAuth({ key, now: fixedNow, store: false });
    const strict = createAuth({
      key,
      now: fixedNow,
      store: false,
      subject: 'user-2',
      requiredClaims: ['tenant'],
    });
    await open.verify(good);
    await open.verify(good);
    await expect(strict.verify(good)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID' });
    await expect(strict.verify(good)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID' });
  });
});

// ---- tail collisions ------------------------------------------------------------------------

describe('tokens that share the cached token’s last 32 characters', () => {
  const [header, payload, signature] = good.split('.') as [string, string, string];

  it('another header or payload behind the cached signature is ERR_SIGNATURE_INVALID, never the cached claims', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider }));
    await expect(auth.verify(good)).resolves.toMatchObject({ role: 'member' });
    const forgeries = [
      `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`,
      `${header}.${b64({ ...claims, sub: 'admin' })}.${signature}`,
      `${b64({ alg: 'HS256', typ: 'JWT', x: 1 })}.${payload}.${signature}`,
      `${b64({ alg: 'HS256' })}.${payload}.${signature}`,
      // Another signature that ends with the same 32 characters.
      `${header}.${payload}.${'A'.repeat(signature.length - 32)}${signature.slice(-32)}`,
      `${header}.${payload}.${'B'.repeat(signature.length - 32)}${signature.slice(-32)}`,
    ];
    for (const forged of forgeries) {
      expect(forged.slice(-32)).toBe(good.slice(-32));
      expect(forged).not.toBe(good);
      for (let i = 0; i < 2; i++)
        await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
    }
    // The cached entry is untouched: still a hit, still its own claims.
    const before = reads();
    await expect(auth.verify(good)).resolves.toMatchObject({ role: 'member', sub: 'user-1' });
    expect(reads()).toBe(before);
  });

  it('a longer signature ending in the cached one, or extra segments, is refused the same as without a cache', async () => {
    const { cached, plain } = pair();
    await cached.verify(good);
    for (const forged of [
      `${header}.${payload}.AAAA${signature}`,
      `${header}.${payload}.${signature.slice(4)}`,
      `${header}.${payload}.x.${signature}`,
      `x${good}`,
      ` ${good}`,
      `${good} `,
    ]) {
      const v = await verdict(cached.verify(forged));
      expect(v).not.toBe('ok');
      expect(v).toBe(await verdict(plain.verify(forged)));
    }
  });

  it('RS256: a cached signature never vouches for another payload', async () => {
    const pem = fixture('test-only-rsa-2048-private.pem');
    const auth = createAuth({
      key: rs256({ publicKey: fixture('test-only-rsa-2048-public.pem') }),
      now: fixedNow,
      store: false,
    });
    const token = handToken({ alg: 'RS256', typ: 'JWT' }, claims, { rsaPem: pem });
    const [h, , s] = token.split('.') as [string, string, string];
    await auth.verify(token);
    await auth.verify(token);
    await expect(auth.verify(`${h}.${b64({ ...claims, role: 'admin' })}.${s}`)).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(auth.verify(token)).resolves.toMatchObject({ role: 'member' });
  });
});

// ---- claims objects: copies, __proto__, nested data ----------------------------------------

describe('each hit gets claims of its own', () => {
  const raw = (json: string): string => hsToken(json);
  const base = JSON.stringify(claims).slice(0, -1);

  it('a flat "__proto__" array stays an own member, never the prototype, and mutating it changes nothing later', async () => {
    const token = raw(`${base},"__proto__":["admin"]}`);
    const { cached, plain } = pair();
    for (let i = 0; i < 3; i++) {
      const got = await cached.verify(token);
      expect(got).toEqual(await plain.verify(token));
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.hasOwn(got, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toEqual(['admin']);
      expect(Array.isArray(got)).toBe(false);
      expect((got as Record<string, unknown>).length).toBeUndefined();
      (Object.getOwnPropertyDescriptor(got, '__proto__')?.value as string[]).push('root');
      got.role = 'admin';
    }
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('a nested "__proto__" or "constructor" object is data: mutation through it pollutes nothing and does not persist', async () => {
    const token = raw(
      `${base},"__proto__":{"role":"admin","isAdmin":true},"constructor":{"prototype":{"polluted":true}}}`,
    );
    const auth = createAuth(options({ cache: { max: 10 } }));
    for (let i = 0; i < 3; i++) {
      const got = await auth.verify(token);
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(got.role).toBe('member');
      expect((got as Record<string, unknown>).isAdmin).toBeUndefined();
      const proto = Object.getOwnPropertyDescriptor(got, '__proto__')?.value as Record<string, unknown>;
      expect(proto).toEqual({ role: 'admin', isAdmin: true });
      proto.role = 'root';
      const ctor = got.constructor as unknown as { prototype: Record<string, unknown> };
      expect(ctor.prototype).toEqual({ polluted: true });
      ctor.prototype.injected = true;
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).injected).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('requiredClaims: ["__proto__"] gives the same verdicts with and without the cache', async () => {
    const { cached, plain } = pair({ requiredClaims: ['__proto__'] });
    const withIt = raw(`${base},"__proto__":[]}`);
    for (let i = 0; i < 2; i++) {
      expect(await verdict(cached.verify(withIt))).toBe('ok');
      expect(await verdict(plain.verify(withIt))).toBe('ok');
      expect(await verdict(cached.verify(good))).toBe('ERR_CLAIM_INVALID');
      expect(await verdict(plain.verify(good))).toBe('ERR_CLAIM_INVALID');
    }
  });

  it('arrays of objects and arrays of arrays: mutation never reaches the next verification', async () => {
    const token = hsToken({
      ...claims,
      groups: [{ name: 'staff', admin: false }],
      matrix: [[1, 2], ['a']],
      tags: ['x'],
    });
    const auth = createAuth(options({ cache: { max: 10 } }));
    for (let i = 0; i < 3; i++) {
      const got = await auth.verify(token);
      expect(got.groups).toEqual([{ name: 'staff', admin: false }]);
      expect(got.matrix).toEqual([[1, 2], ['a']]);
      expect(got.tags).toEqual(['x']);
      (got.groups as { admin: boolean }[])[0]!.admin = true;
      (got.groups as unknown[]).push({ name: 'root', admin: true });
      (got.matrix as unknown[][])[0]!.push(3);
      (got.tags as string[]).push('admin');
      (got.roles as string[]).push('admin');
      delete got.exp;
    }
  });

  it('isRevoked and the user mapper mutating the claims they are given change nothing later', async () => {
    let seen = 0;
    const auth = createAuth(
      options({
        cache: { max: 10 },
        isRevoked: (c: Claims) => {
          c.role = 'admin';
          (c.roles as string[]).push('admin');
          return false;
        },
        user: (c: Claims) => {
          seen++;
          c.sub = 'root';
          delete c.exp;
          return { id: c.sub };
        },
      }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await auth.authenticate({ headers: { authorization: `Bearer ${good}` } });
      expect(res?.user).toEqual({ id: 'root' });
      const again = await auth.verify(good);
      expect(again.sub).toBe('user-1');
      expect(again.exp).toBe(claims.exp);
      // isRevoked ran on this copy too.
      expect(again.roles).toEqual(['member', 'admin']);
    }
    expect(seen).toBe(3);
  });

  it('concurrent hits get distinct objects', async () => {
    const auth = createAuth(options({ cache: { max: 10 } }));
    await auth.verify(good);
    const all = await Promise.all(Array.from({ length: 20 }, () => auth.verify(good)));
    expect(new Set(all).size).toBe(20);
    expect(new Set(all.map((c) => c.roles)).size).toBe(20);
  });
});

// ---- key providers ----------------------------------------------------------------------------

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

// ---- the clock ------------------------------------------------------------------------------

describe('the clock, forwards and backwards', () => {
  const sameVerdicts = async (
    extra: Partial<AuthOptions>,
    tokens: readonly string[],
    times: readonly number[],
  ): Promise<string[]> => {
    let now = NOW_MS;
    const { cached, plain } = pair({ ...extra, now: () => now });
    const seen: string[] = [];
    for (const at of times) {
      now = at * 1000;
      for (const token of [...tokens, ...tokens]) {
        const expected = await verdict(plain.verify(token));
        expect(`${at}: ${await verdict(cached.verify(token))}`).toBe(`${at}: ${expected}`);
        seen.push(expected);
      }
    }
    return seen;
  };

  const exp = NOW + 100.5;
  const timed = hsToken({ sub: 'u', iat: NOW, nbf: NOW + 10, exp });
  const futureIat = hsToken({ sub: 'u', iat: NOW + 20, exp });
  const plainExp = hsToken({ sub: 'u', iat: NOW, exp });
  const tokens = [timed, futureIat, plainExp];
  const around = (t: number, tol: number): number[] => [
    t - tol - 0.001,
    t - tol,
    t - 0.001,
    t,
    t + 0.001,
    t + tol - 0.001,
    t + tol,
    t + tol + 0.001,
  ];

  it.each([0, 5])(
    'clockTolerance %i: exp, nbf and iat edges, with the clock jumping back and forth',
    async (tol) => {
      const times = [
        NOW + 50,
        ...around(exp, tol),
        NOW + 50,
        ...around(NOW + 10, tol),
        NOW + 50,
        ...around(NOW + 20, tol),
        NOW - 3600,
        NOW + 50,
        exp + 3600,
        NOW + 50,
      ];
      const seen = await sameVerdicts({ clockTolerance: tol }, tokens, times);
      expect(seen).toContain('ok');
      expect(seen).toContain('ERR_TOKEN_EXPIRED');
      expect(seen).toContain('ERR_TOKEN_NOT_YET_VALID');
      expect(seen).toContain('ERR_CLAIM_INVALID');
    },
  );

  it('maxTokenAge: a hit is refused once the token is too old, and again after the clock is set back', async () => {
    const times = [
      NOW + 1,
      NOW + 29.999,
      NOW + 30,
      NOW + 30.001,
      NOW + 35,
      NOW + 35.001,
      NOW + 1,
      NOW + 36,
      NOW + 34.999,
    ];
    const seen = await sameVerdicts({ maxTokenAge: 30, clockTolerance: 5 }, [plainExp], times);
    expect(seen).toContain('ok');
    expect(seen).toContain('ERR_TOKEN_EXPIRED');
  });

  it('a clock that returns NaN or goes to the epoch never turns a refusal into a pass through the cache', async () => {
    let now = NOW_MS;
    const { cached, plain } = pair({ now: () => now });
    await cached.verify(plainExp);
    for (const at of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY, NOW_MS]) {
      now = at;
      expect(await verdict(cached.verify(plainExp))).toBe(await verdict(plain.verify(plainExp)));
    }
  });
});

// ---- refresh tokens and tokens without exp ----------------------------------------------------

describe('what must never be cached', () => {
  it('refresh tokens are verified in full every time, and a reused one is refused', async () => {
    const { provider, reads } = countingProvider();
    let clock = NOW_MS + 500;
    const auth = createAuth({ key: provider, now: () => clock, refresh: { expiresIn: '30d' } });
    const { cookies } = await auth.startSession({ sub: 'user-1' });
    const refreshCookie = cookies.find((c) => c.startsWith('jwt-refresh='))!.split(';')[0]!;
    const access = cookies
      .find((c) => c.startsWith('jwt='))!
      .split(';')[0]!
      .slice('jwt='.length);
    const rt = refreshCookie.slice('jwt-refresh='.length);
    const req = { headers: { cookie: refreshCookie } };
    let before = reads();
    await expect(auth.refresh(req)).resolves.toMatchObject({ token: expect.any(String) });
    expect(reads()).toBe(before + 1);
    before = reads();
    await expect(auth.refresh(req)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
    expect(reads()).toBe(before + 1);
    // A refresh token is never an access token, cached or not, and the other way round.
    for (let i = 0; i < 2; i++)
      await expect(auth.verify(rt)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'typ' });
    clock += 10;
    await expect(auth.verify(access)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' }); // the reuse ended the login
    const fresh = await auth.startSession({ sub: 'user-2' });
    const freshAccess = fresh.token;
    await auth.verify(freshAccess);
    await auth.verify(freshAccess);
    await expect(auth.refresh({ headers: { cookie: `jwt-refresh=${freshAccess}` } })).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'typ',
    });
  });

  it('tokens without a numeric exp are verified in full every time', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider, requireExp: false }));
    const noExp = hsToken({ sub: 'u' });
    const textExp = hsToken({ sub: 'u', exp: String(NOW + 60) });
    for (let i = 0; i < 3; i++) {
      await expect(auth.verify(noExp)).resolves.toMatchObject({ sub: 'u' });
      await expect(auth.verify(textExp)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'exp' });
    }
    expect(reads()).toBe(6);
  });

  it('refused tokens (bad signature, wrong audience, expired) never enter the cache nor push a good one out', async () => {
    const { provider, reads } = countingProvider();
    const auth = createAuth(options({ key: provider, audience: 'api', cache: { max: 2 } }));
    await auth.verify(good);
    const refused = [
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}` }, undefined, OTHER_SECRET)),
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}`, aud: 'other' })),
      ...Array.from({ length: 10 }, (_, i) => hsToken({ ...claims, sub: `u${i}`, exp: NOW - 1 })),
    ];
    let before = reads();
    for (const token of [...refused, ...refused])
      await expect(auth.verify(token)).rejects.toBeInstanceOf(AuthError);
    expect(reads()).toBe(before + refused.length * 2);
    before = reads();
    await auth.verify(good);
    expect(reads()).toBe(before);
  });
});

// ---- bounds -------------------------------------------------------------------------------------

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
    const bound = COUNT * 2048 * 1.5; // token-cache.ts: "at most max × maxTokenLength bytes"; README: "about 0.7 KB per HS256 token"
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

// ---- promises, never synchronous throws --------------------------------------------------------

describe('errors always come back as rejected promises, with their code and realm', () => {
  const auth = createAuth(options({ realm: 'shop' }));

  it.each([
    ['123', 123],
    ['undefined', undefined],
    ['null', null],
    ['an object', {}],
    ['an array', [good]],
    ['a String object of a cached token', new String(good)],
    ['an object whose toString is a cached token', { toString: () => good }],
    ['a boxed-less empty string', ''],
    ['a cached token with a NUL', `${good}\u0000`],
    ['a 1 MB string', 'a'.repeat(1 << 20)],
  ])('verify(%s) rejects ERR_TOKEN_MALFORMED without throwing', async (_name, input) => {
    await auth.verify(good);
    const pending = noSyncThrow(() => auth.verify(input as string));
    expect(pending).toBeInstanceOf(Promise);
    const err = await refusal(pending);
    expect(err.code).toBe('ERR_TOKEN_MALFORMED');
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
  });

  it.each([
    ['a number', () => 123, 'ERR_TOKEN_MALFORMED'],
    ['an object', () => ({ token: good }), 'ERR_TOKEN_MALFORMED'],
    ['true', () => true, 'ERR_TOKEN_MALFORMED'],
    ['false', () => false, 'ERR_TOKEN_MALFORMED'],
    ['0', () => 0, 'ERR_TOKEN_MALFORMED'],
    ['a promise of a number', () => Promise.resolve(42), 'ERR_TOKEN_MALFORMED'],
    [
      'a thenable of a bad token',
      () => ({ then: (resolve: (v: string) => void) => resolve('x.y.z') }),
      'ERR_TOKEN_MALFORMED',
    ],
    [
      'a throw',
      () => {
        throw new AuthError('ERR_BAD_REQUEST');
      },
      'ERR_BAD_REQUEST',
    ],
    ['a rejected promise', () => Promise.reject(new AuthError('ERR_BAD_REQUEST')), 'ERR_BAD_REQUEST'],
  ])('getToken returning %s: a rejected promise with the realm', async (_name, getToken, code) => {
    const withGetter = createAuth(
      options({ realm: 'shop', getToken: getToken as unknown as NonNullable<AuthOptions['getToken']> }),
    );
    const pending = noSyncThrow(() => withGetter.authenticate({ headers: {} }));
    const err = await refusal(pending);
    expect(err.code).toBe(code);
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
  });

  it.each([
    ['null', () => null],
    ['undefined', () => undefined],
    ['an empty string', () => ''],
    ['a promise of null', () => Promise.resolve(null)],
  ])('getToken returning %s: no token, null', async (_name, getToken) => {
    const withGetter = createAuth(
      options({ getToken: getToken as unknown as NonNullable<AuthOptions['getToken']> }),
    );
    await expect(withGetter.authenticate({ headers: {} })).resolves.toBeNull();
  });

  it('getToken returning a cached token, sync or async, gives the same claims as the header does', async () => {
    const sync = createAuth(options({ getToken: () => good }));
    const later = createAuth(options({ getToken: async () => good }));
    for (let i = 0; i < 2; i++) {
      await expect(sync.authenticate({ headers: {} })).resolves.toMatchObject({
        token: good,
        claims: { sub: 'user-1' },
      });
      await expect(later.authenticate({ headers: {} })).resolves.toMatchObject({
        token: good,
        claims: { sub: 'user-1' },
      });
    }
  });

  it.each([
    ['a null request', null],
    ['a request without headers', {}],
    ['a numeric Authorization header', { headers: { authorization: 123 } }],
    ['two Authorization headers', { headers: { authorization: [`Bearer ${good}`, `Bearer ${good}`] } }],
    ['an array cookie header with a number', { headers: { cookie: ['jwt=a', 5] } }],
  ])('authenticate(%s) never throws synchronously', async (_name, req) => {
    await auth.verify(good);
    const pending = noSyncThrow(() => auth.authenticate(req as never));
    expect(pending).toBeInstanceOf(Promise);
    const outcome = await verdict(pending);
    expect(outcome).not.toBe('ok');
    if (req !== null && 'headers' in req) expect(outcome).toBe('ERR_BAD_REQUEST');
  });

  it.each(['sync', 'async'] as const)(
    'a %s user mapper that fails, on a miss and on a hit: rejected, never thrown',
    async (mode) => {
      const failing = createAuth(
        options({
          realm: 'shop',
          user:
            mode === 'sync'
              ? () => {
                  throw new TypeError('mapper down');
                }
              : () => Promise.reject(new TypeError('mapper down')),
        }),
      );
      const forbidden = createAuth(
        options({
          realm: 'shop',
          user:
            mode === 'sync'
              ? () => {
                  throw new AuthError('ERR_FORBIDDEN');
                }
              : () => Promise.reject(new AuthError('ERR_FORBIDDEN')),
        }),
      );
      for (let i = 0; i < 2; i++) {
        const req = { headers: { authorization: `Bearer ${good}` } };
        await expect(noSyncThrow(() => failing.authenticate(req))).rejects.toThrow('mapper down');
        const err = await refusal(noSyncThrow(() => forbidden.authenticate(req)));
        expect(err.code).toBe('ERR_FORBIDDEN');
        expect(err.status).toBe(403);
      }
    },
  );

  it('errors decided on a hit (revoked, expired, store down) carry the realm, through verify and authenticate', async () => {
    let now = NOW_MS;
    let revoked = false;
    const a = createAuth(options({ realm: 'shop', now: () => now, isRevoked: () => revoked }));
    await a.verify(good);
    revoked = true;
    for (const call of [
      (): Promise<unknown> => a.verify(good),
      (): Promise<unknown> => a.authenticate({ headers: { authorization: `Bearer ${good}` } }),
    ]) {
      const err = await refusal(noSyncThrow(call));
      expect(err.code).toBe('ERR_TOKEN_REVOKED');
      expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
    }
    revoked = false;
    now = (claims.exp + 1) * 1000;
    const err = await refusal(noSyncThrow(() => a.verify(good)));
    expect(err.code).toBe('ERR_TOKEN_EXPIRED');
    expect(err.headers['WWW-Authenticate']).toContain('realm="shop"');
    let storeDown = false;
    const inner = memoryStore({ now: fixedNow });
    const b = createAuth({
      key: hs256(SECRET),
      now: fixedNow,
      realm: 'shop',
      store: {
        ...inner,
        status: (ids, sub) => (storeDown ? Promise.reject(new Error('down')) : inner.status(ids, sub)),
      },
    });
    await b.verify(good);
    storeDown = true;
    await expect(b.verify(good)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
  });
});

// ---- revocation with the cache on ----------------------------------------------------------------

describe('revocation while cached', () => {
  it('concurrent verifications of one token while it is revoked: every one started after the revoke is refused', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow });
    const token = hsToken({ ...claims, jti: 'j-race' });
    const c = await auth.verify(token);
    const before = Array.from({ length: 10 }, () => verdict(auth.verify(token)));
    const revoking = auth.revoke(c);
    const during = Array.from({ length: 10 }, () => verdict(auth.verify(token)));
    await revoking;
    const after = Array.from({ length: 20 }, () => verdict(auth.verify(token)));
    const results = await Promise.all([...before, ...during, ...after]);
    expect(results.slice(20)).toEqual(Array(20).fill('ERR_TOKEN_REVOKED'));
    for (const r of results) expect(['ok', 'ERR_TOKEN_REVOKED']).toContain(r);
  });

  describe.each(variants)('$name, cache on', ({ build }) => {
    const cookieOf = (res: request.Response): string =>
      /^jwt=([^;]*)/.exec((res.headers['set-cookie'] as unknown as string[])[0]!)![1]!;

    it('a signed-out token is 401 at once, as cookie and as Bearer, though it was cached', async () => {
      let clock = NOW_MS + 500;
      const app = build(createAuth({ key: hs256(SECRET), now: () => clock, cache: { max: 10 } }));
      const token = cookieOf(await request(app).post('/login'));
      for (let i = 0; i < 3; i++) {
        expect((await request(app).get('/required').set('Cookie', `jwt=${token}`)).status).toBe(200);
        expect((await request(app).get('/required').set('Authorization', `Bearer ${token}`)).status).toBe(
          200,
        );
      }
      clock += 100;
      expect((await request(app).post('/auth/logout').set('Cookie', `jwt=${token}`)).status).toBe(204);
      for (const res of [
        await request(app).get('/required').set('Cookie', `jwt=${token}`),
        await request(app).get('/required').set('Authorization', `Bearer ${token}`),
        await request(app).get('/optional').set('Authorization', `Bearer ${token}`),
      ]) {
        expect(res.body.code ?? res.body.authError).toBe('ERR_TOKEN_REVOKED');
      }
    });

    it('log out everywhere: every device’s cached token is 401 at once', async () => {
      let clock = NOW_MS + 500;
      const app = build(createAuth({ key: hs256(SECRET), now: () => clock }));
      const phone = cookieOf(await request(app).post('/login'));
      clock += 10;
      const laptop = cookieOf(await request(app).post('/login'));
      for (const t of [phone, laptop, phone, laptop])
        expect((await request(app).get('/required').set('Authorization', `Bearer ${t}`)).status).toBe(200);
      clock += 1000;
      expect(
        (await request(app).post('/auth/logout-everywhere').set('Authorization', `Bearer ${phone}`)).status,
      ).toBe(204);
      for (const t of [phone, laptop]) {
        const res = await request(app).get('/required').set('Authorization', `Bearer ${t}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
      }
    });

    it('a user mapper that throws (sync) or rejects is a 500 on the miss and on the hit, and the app keeps serving', async () => {
      for (const user of [
        () => {
          throw new Error('mapper down');
        },
        () => Promise.reject(new Error('mapper down')),
      ]) {
        const app = build(createAuth({ key: hs256(SECRET), now: fixedNow, store: false, user }));
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/required').set('Authorization', `Bearer ${good}`);
          expect(res.status).toBe(500);
        }
        expect((await request(app).get('/required')).status).toBe(401);
      }
    });

    it('a user mapper that throws an AuthError answers with it, on the miss and on the hit', async () => {
      const app = build(
        createAuth({
          key: hs256(SECRET),
          now: fixedNow,
          store: false,
          realm: 'shop',
          user: () => {
            throw new AuthError('ERR_TOKEN_REVOKED');
          },
        }),
      );
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/required').set('Authorization', `Bearer ${good}`);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('ERR_TOKEN_REVOKED');
        expect(res.headers['www-authenticate']).toContain('realm="shop"');
      }
    });
  });

  it('CSRF is checked on every hit: a cross-site POST with a cached cookie token is 403 ERR_CSRF each time', async () => {
    const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
    const cookie = { cookie: `jwt=${good}` };
    await expect(auth.authenticate({ headers: cookie })).resolves.toMatchObject({
      claims: { sub: 'user-1' },
    });
    for (let i = 0; i < 2; i++) {
      const req = {
        method: 'POST',
        headers: { ...cookie, 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
      };
      await expect(noSyncThrow(() => auth.authenticate(req as never))).rejects.toMatchObject({
        code: 'ERR_CSRF',
        status: 403,
      });
      await expect(
        auth.authenticate({ method: 'POST', headers: { ...cookie, 'sec-fetch-site': 'same-origin' } }),
      ).resolves.toBeTruthy();
    }
  });

  describe('an app that mutates req.auth.claims / ctx.state.auth.claims', () => {
    const admin = { roles: ['admin'] };
    const token = hsToken({ ...claims, roles: ['member'], scope: 'read' });

    it('Express: the mutation never grants anything to the next request with the same token', async () => {
      const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
      const app = express5();
      app.get('/me', forExpress.requireAuth(auth), (req, res) => {
        const c = req.auth!.claims;
        c.role = 'admin';
        (c.roles as string[]).push('admin');
        c.scope = 'read write';
        (req.user as unknown as Record<string, unknown>).sub = 'root';
        res.json(c);
      });
      app.get('/admin', forExpress.requireAuth(auth, admin), (req, res) => {
        res.json(req.auth!.claims);
      });
      for (let i = 0; i < 3; i++) {
        expect((await request(app).get('/me').set('Authorization', `Bearer ${token}`)).body.roles).toEqual([
          'member',
          'admin',
        ]);
        const res = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('ERR_FORBIDDEN');
      }
    });

    it('Koa: the mutation never grants anything to the next request with the same token', async () => {
      const auth = createAuth({ key: hs256(SECRET), now: fixedNow, store: false });
      const app = new Koa3();
      app.silent = true;
      const me = forKoa.requireAuth(auth);
      const adminOnly = forKoa.requireAuth(auth, admin);
      app.use(async (ctx, next) => {
        if (ctx.path === '/me') {
          await me(ctx, async () => {
            const c = (ctx.state as { auth: { claims: Claims } }).auth.claims;
            c.role = 'admin';
            (c.roles as string[]).push('admin');
            ctx.body = c;
          });
          return;
        }
        if (ctx.path === '/admin') {
          await adminOnly(ctx, async () => {
            ctx.body = { ok: true };
          });
          return;
        }
        await next();
      });
      const handler = app.callback();
      for (let i = 0; i < 3; i++) {
        expect(
          (await request(handler).get('/me').set('Authorization', `Bearer ${token}`)).body.roles,
        ).toEqual(['member', 'admin']);
        const res = await request(handler).get('/admin').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('ERR_FORBIDDEN');
      }
    });
  });

  describe.runIf(redisAvailable)('two instances on one Redis', () => {
    const server = redisServer();
    const clients: { quit(): Promise<unknown> }[] = [];
    beforeAll(async () => {
      await server.start();
    });
    afterAll(async () => {
      for (const client of clients) await client.quit().catch(() => undefined);
      await server.stop().catch(() => undefined);
    });
    const shared = async (nearCache: false | undefined): Promise<ReturnType<typeof redisStore>> => {
      const client = createClient({ url: server.url, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      const store = redisStore({
        client,
        prefix: `cache-attack-${process.pid}:`,
        ...(nearCache === false ? { nearCache } : {}),
      });
      clients.push({ quit: async () => store.close() });
      return store;
    };

    // Without a near cache B asks Redis every time; with one, B is current to within its staleness (100 ms).
    it.each([
      ['no near cache', false, 0],
      ['the default near cache', undefined, 100],
    ] as const)(
      '%s: B has the token cached and under load when A signs it out: every request after the bound is refused',
      async (_name, nearCache, bound) => {
        const a = createAuth({ key: hs256(SECRET), store: await shared(nearCache) });
        const b = createAuth({ key: hs256(SECRET), store: await shared(nearCache) });
        const { token } = await a.startSession({ sub: 'redis-user' });
        const c = await b.verify(token);
        await b.verify(token);
        const during = Array.from({ length: 20 }, () => verdict(b.verify(token)));
        await a.endSession({ headers: { authorization: `Bearer ${token}` } }, { claims: c }).revoked;
        const revokedAt = performance.now();
        if (bound > 0)
          await new Promise((resolve) => setTimeout(resolve, bound + 1 - (performance.now() - revokedAt)));
        const after = await Promise.all(Array.from({ length: 20 }, () => verdict(b.verify(token))));
        expect(after).toEqual(Array(20).fill('ERR_TOKEN_REVOKED'));
        for (const r of await Promise.all(during)) expect(['ok', 'ERR_TOKEN_REVOKED']).toContain(r);
      },
    );
  });
});

// A tiny guard against a silent change of HMAC keys in the helpers the tests above rely on.
it('the forged tokens above are refused because of their signatures, not their shape', () => {
  const [h, p] = good.split('.') as [string, string];
  expect(createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')).toBe(good.split('.')[2]);
});

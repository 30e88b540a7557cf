// jwks() against real HTTP servers on the loopback: every server counts the requests it receives.
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  isAuthError,
  jwks,
  rs256,
  type Auth,
  type AuthEvent,
  type JwksOptions,
  type KeyProvider,
} from '../../src/index.js';
import { NOW, NOW_MS, caught, fixedNow, fixture, handToken } from '../helpers.js';
import { serve, serveJson } from '../support/servers.js';

// Misuse from untyped callers (JavaScript, JSON config): the types would refuse these inputs.
const looseJwks = jwks as unknown as (options: unknown) => KeyProvider;

const privatePem = fixture('test-only-rsa-2048-private.pem');
const privatePemB = fixture('test-only-rsa-2048-b-private.pem');
const private1024Pem = fixture('test-only-rsa-1024-private.pem');

const jwkOf = (pem: string, extra: Record<string, unknown> = {}): JsonWebKey => ({
  ...createPublicKey(pem).export({ format: 'jwk' }),
  alg: 'RS256',
  use: 'sig',
  ...extra,
});
const K1 = jwkOf(fixture('test-only-rsa-2048-public.pem'), { kid: 'k1' });
const K2 = jwkOf(fixture('test-only-rsa-2048-b-public.pem'), { kid: 'k2' });

const signer = (kid: string | undefined, pem: string = privatePem): Auth =>
  createAuth({ key: rs256({ privateKey: pem, ...(kid === undefined ? {} : { kid }) }), now: fixedNow });
const signK1 = signer('k1');
const signK2 = signer('k2', privatePemB);
/** A token with any header, signed by the first fixture key. */
const tokenWith = (header: Record<string, unknown>, pem: string = privatePem): string =>
  handToken(
    { alg: 'RS256', typ: 'JWT', ...header },
    { sub: 'u1', iat: NOW, exp: NOW + 3600 },
    { rsaPem: pem },
  );

// ---- verifier ------------------------------------------------------------------------------

interface Verifier {
  readonly auth: Auth;
  readonly provider: KeyProvider;
  /** Moves the provider's clock (not the claims clock) forward. */
  advance(ms: number): void;
}

function verifier(url: string | URL, options: Omit<JwksOptions, 'url' | 'now'> = {}): Verifier {
  let t = NOW_MS;
  const provider = jwks({ url, now: () => t, ...options });
  return { auth: createAuth({ key: provider, now: fixedNow }), provider, advance: (ms) => (t += ms) };
}

const COOLDOWN = 30_000;
const MAX_AGE = 600_000;
const unavailable = { code: 'ERR_KEYS_UNAVAILABLE', status: 503 };
const notFound = { code: 'ERR_KEY_NOT_FOUND', status: 401 };

async function settle(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await promise;
    return { error: undefined, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

describe('jwks: verifying from a served set', { timeout: 5_000 }, () => {
  it('verifies tokens signed with any key of the set, fetching the configured URL once with GET', async () => {
    const server = await serveJson(() => ({ keys: [K1, K2] }));
    const { auth } = verifier(`${server.url}?tenant=a`);
    await expect(auth.verify(await signK1.issue({ sub: 'a' }))).resolves.toMatchObject({ sub: 'a' });
    await expect(auth.verify(await signK2.issue({ sub: 'b' }))).resolves.toMatchObject({ sub: 'b' });
    expect(server.hits).toEqual(['GET /.well-known/jwks.json?tenant=a']);
  });

  it('accepts a URL object and fetches nothing before the first verification', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth } = verifier(new URL(server.url));
    const provider = jwks({ url: new URL(server.url) });
    expect(provider.algorithms).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']);
    expect(server.hits).toHaveLength(0);
    await expect(
      createAuth({ key: provider, now: fixedNow }).verify(await signK1.issue({})),
    ).resolves.toBeDefined();
    await expect(auth.verify(await signK1.issue({}))).resolves.toBeDefined();
  });

  it('is verify-only: no signing key, nothing republished, frozen keys', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, provider } = verifier(server.url);
    expect(provider.signingKey).toBeUndefined();
    expect(provider.publicJwks).toBeUndefined();
    expect(Object.isFrozen(provider)).toBe(true);
    expect(auth.jwks()).toEqual({ keys: [] });
    await expect(auth.issue({ sub: 'x' })).rejects.toThrow(TypeError);
    const key = await provider.verifyKey({ alg: 'RS256', kid: 'k1' });
    expect(key).toMatchObject({ alg: 'RS256', kid: 'k1' });
    expect(Object.isFrozen(key)).toBe(true);
    expect(key?.key.type).toBe('public');
  });

  it('uses the only key of the set for a token without kid, and no key when the set holds several', async () => {
    const one = await serveJson(() => ({ keys: [K1] }));
    const noKid = await signer(undefined).issue({ sub: 'n' });
    await expect(verifier(one.url).auth.verify(noKid)).resolves.toMatchObject({ sub: 'n' });
    const two = await serveJson(() => ({ keys: [K1, K2] }));
    const { auth } = verifier(two.url);
    await expect(auth.verify(noKid)).rejects.toMatchObject(notFound);
    expect(two.hits).toHaveLength(1);
  });

  it('matches a key published without kid only for tokens without kid', async () => {
    const { kid: _, ...anonymous } = K1;
    const server = await serveJson(() => ({ keys: [anonymous] }));
    const { auth } = verifier(server.url);
    await expect(auth.verify(await signer(undefined).issue({ sub: 'n' }))).resolves.toMatchObject({
      sub: 'n',
    });
    await expect(auth.verify(await signK1.issue({}))).rejects.toMatchObject(notFound);
  });

  it('never follows jku or x5u: the server they name receives nothing', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const elsewhere = await serveJson(() => ({ keys: [K2] }));
    const { auth } = verifier(server.url);
    await expect(
      auth.verify(tokenWith({ kid: 'k1', jku: elsewhere.url, x5u: elsewhere.url })),
    ).resolves.toMatchObject({ sub: 'u1' });
    await expect(
      auth.verify(tokenWith({ kid: 'k2', jku: elsewhere.url }, privatePemB)),
    ).rejects.toMatchObject(notFound);
    expect(elsewhere.hits).toHaveLength(0);
  });

  it('never follows a redirect: a 3xx is a failure and its target receives nothing', async () => {
    const target = await serveJson(() => ({ keys: [K1] }));
    const server = await serve((_req, res) => res.writeHead(302, { location: target.url }).end());
    await expect(verifier(server.url).auth.verify(await signK1.issue({}))).rejects.toMatchObject(unavailable);
    expect(target.hits).toHaveLength(0);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'finds nothing for kid %s',
    async (kid) => {
      const server = await serveJson(() => ({ keys: [K1] }));
      const { auth, provider } = verifier(server.url);
      await expect(auth.verify(tokenWith({ kid }))).rejects.toMatchObject(notFound);
      await expect(provider.verifyKey({ alg: 'RS256', kid })).resolves.toBeUndefined();
    },
  );

  it('treats a published kid of "constructor" as plain data', async () => {
    const server = await serveJson(() => ({ keys: [{ ...K1, kid: 'constructor' }, K2] }));
    const { auth } = verifier(server.url);
    await expect(auth.verify(tokenWith({ kid: 'constructor' }))).resolves.toMatchObject({ sub: 'u1' });
    await expect(auth.verify(tokenWith({ kid: 'toString' }))).rejects.toMatchObject(notFound);
  });

  it('refuses a kid published twice instead of trying both keys', async () => {
    const server = await serveJson(() => ({ keys: [K1, { ...K2, kid: 'k1' }] }));
    await expect(verifier(server.url).auth.verify(await signK1.issue({}))).rejects.toMatchObject(notFound);
  });
});

describe('jwks: refetching', { timeout: 5_000 }, () => {
  it('refetches once for an unknown kid, then answers ERR_KEY_NOT_FOUND', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, advance } = verifier(server.url);
    await auth.verify(await signK1.issue({}));
    advance(COOLDOWN);
    await expect(auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(2);
    await expect(auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(2);
  });

  it('does not refetch for an unknown kid right after the first fetch', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    await expect(verifier(server.url).auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(
      notFound,
    );
    expect(server.hits).toHaveLength(1);
  });

  it('a flood of 50 unknown kids fetches at most once per cooldown', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, advance } = verifier(server.url);
    await auth.verify(await signK1.issue({}));
    const flood = Array.from({ length: 50 }, (_, i) => tokenWith({ kid: `unknown-${i}` }));
    advance(COOLDOWN);
    const concurrent = await Promise.allSettled(flood.slice(0, 25).map((t) => auth.verify(t)));
    for (const t of flood.slice(25)) await expect(auth.verify(t)).rejects.toMatchObject(notFound);
    expect(
      concurrent.every(
        (r) => r.status === 'rejected' && (r.reason as { code?: unknown }).code === 'ERR_KEY_NOT_FOUND',
      ),
    ).toBe(true);
    expect(server.hits).toHaveLength(2);
    advance(COOLDOWN - 1);
    await expect(auth.verify(flood[0] ?? '')).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(2);
    advance(1);
    await expect(auth.verify(flood[0] ?? '')).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(3);
  });

  it('100 concurrent first verifications share one fetch', async () => {
    const server = await serve((_req, res) => {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [K1] })),
        50,
      );
    });
    const { auth } = verifier(server.url);
    const token = await signK1.issue({ sub: 'c' });
    const results = await Promise.all(Array.from({ length: 100 }, () => auth.verify(token)));
    expect(results.every((claims) => claims.sub === 'c')).toBe(true);
    expect(server.hits).toHaveLength(1);
  });

  it('100 concurrent first verifications share one failure, each with its own 503', async () => {
    const server = await serveJson(() => 'down', 500);
    const { auth } = verifier(server.url);
    const token = await signK1.issue({});
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => auth.verify(token)));
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : undefined));
    expect(errors.every((e) => isAuthError(e) && e.code === 'ERR_KEYS_UNAVAILABLE')).toBe(true);
    expect(new Set(errors).size).toBe(100);
    expect(server.hits).toHaveLength(1);
  });

  it('rotation: a new kid is picked up after one refetch; the old one works while served', async () => {
    let keys = [K1];
    const server = await serveJson(() => ({ keys }));
    const { auth, advance } = verifier(server.url);
    const oldToken = await signK1.issue({ sub: 'old' });
    await auth.verify(oldToken);
    keys = [K1, K2];
    advance(COOLDOWN);
    await expect(auth.verify(await signK2.issue({ sub: 'new' }))).resolves.toMatchObject({ sub: 'new' });
    expect(server.hits).toHaveLength(2);
    await expect(auth.verify(oldToken)).resolves.toMatchObject({ sub: 'old' });
    expect(server.hits).toHaveLength(2);
    keys = [K2];
    await expect(auth.verify(oldToken)).resolves.toMatchObject({ sub: 'old' });
    advance(MAX_AGE);
    await expect(auth.verify(oldToken)).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(3);
  });

  it('a refetched set hands out the same key object for an unchanged key, so cached tokens keep their hits', async () => {
    let keys = [K1, K2];
    const server = await serveJson(() => ({ keys }));
    const { provider, advance } = verifier(server.url);
    const first = await provider.verifyKey({ alg: 'RS256', kid: 'k1' });
    const firstK2 = await provider.verifyKey({ alg: 'RS256', kid: 'k2' });
    keys = [K1, { ...K1, kid: 'k2' }];
    advance(MAX_AGE);
    expect(await provider.verifyKey({ alg: 'RS256', kid: 'k1' })).toBe(first);
    expect(server.hits).toHaveLength(2);
    // Another key under the same kid is a new key.
    const changed = await provider.verifyKey({ alg: 'RS256', kid: 'k2' });
    expect(changed).not.toBe(firstK2);
    expect(changed?.key.equals(first!.key)).toBe(true);
  });

  it('refetches a set older than cacheMaxAge', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, advance } = verifier(server.url, { cacheMaxAge: 60_000 });
    const token = await signK1.issue({});
    await auth.verify(token);
    advance(59_999);
    await auth.verify(token);
    expect(server.hits).toHaveLength(1);
    advance(1);
    await auth.verify(token);
    expect(server.hits).toHaveLength(2);
  });
});

describe('jwks: durations of 0', { timeout: 5_000 }, () => {
  it('cooldownDuration 0: an unknown kid refetches at once after a fetch, every time', async () => {
    let keys = [K1];
    const server = await serveJson(() => ({ keys }));
    const { auth } = verifier(server.url, { cooldownDuration: 0 });
    await auth.verify(await signK1.issue({}));
    keys = [K1, K2];
    await expect(auth.verify(await signK2.issue({ sub: 'rotated' }))).resolves.toMatchObject({
      sub: 'rotated',
    });
    expect(server.hits).toHaveLength(2);
    await expect(auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(notFound);
    await expect(auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(4);
    // Known kids within cacheMaxAge fetch nothing.
    await auth.verify(await signK1.issue({}));
    expect(server.hits).toHaveLength(4);
  });

  it('cooldownDuration 0: concurrent unknown kids still share one fetch', async () => {
    const server = await serve((_req, res) => {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [K1] })),
        50,
      );
    });
    const { auth } = verifier(server.url, { cooldownDuration: 0 });
    await auth.verify(await signK1.issue({}));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => auth.verify(tokenWith({ kid: `unknown-${i}` }))),
    );
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as { code?: unknown }).code === 'ERR_KEY_NOT_FOUND',
      ),
    ).toBe(true);
    expect(server.hits).toHaveLength(2);
  });

  it('cacheMaxAge 0: the set is stale at once and refetched at most once per cooldown', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, advance } = verifier(server.url, { cacheMaxAge: 0 });
    const token = await signK1.issue({});
    await auth.verify(token);
    await auth.verify(token);
    expect(server.hits).toHaveLength(1);
    advance(COOLDOWN - 1);
    await auth.verify(token);
    expect(server.hits).toHaveLength(1);
    advance(1);
    await auth.verify(token);
    expect(server.hits).toHaveLength(2);
  });

  it('cacheMaxAge 0 and cooldownDuration 0: every verification fetches; a failed fetch keeps the held keys', async () => {
    let status = 200;
    const server = await serve((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [K1] })),
    );
    const { auth } = verifier(server.url, { cacheMaxAge: 0, cooldownDuration: 0 });
    const token = await signK1.issue({ sub: 'kept' });
    for (let i = 0; i < 3; i++) await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
    expect(server.hits).toHaveLength(3);
    status = 503;
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
    expect(server.hits).toHaveLength(4);
  });
});

describe('jwks: outages', { timeout: 5_000 }, () => {
  it('keeps verifying cached kids after the server goes down, past cacheMaxAge too', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    const { auth, advance } = verifier(server.url);
    const token = await signK1.issue({ sub: 'kept' });
    await auth.verify(token);
    await server.close();
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
    advance(MAX_AGE + 1);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
    advance(COOLDOWN);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
    await expect(auth.verify(tokenWith({ kid: 'nope' }))).rejects.toMatchObject(notFound);
    expect(server.hits).toHaveLength(1);
  });

  it('retries a failing endpoint at most once per cooldown, and picks up the set when it recovers', async () => {
    let status = 200;
    const server = await serve((_req, res) => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: status === 200 ? [K1, K2] : [] }));
    });
    const { auth, advance } = verifier(server.url);
    const token = await signK1.issue({});
    await auth.verify(token);
    status = 503;
    advance(MAX_AGE);
    for (let i = 0; i < 10; i++) await expect(auth.verify(token)).resolves.toBeDefined();
    expect(server.hits).toHaveLength(2);
    advance(COOLDOWN);
    await expect(auth.verify(token)).resolves.toBeDefined();
    expect(server.hits).toHaveLength(3);
    status = 200;
    advance(COOLDOWN);
    await expect(auth.verify(await signK2.issue({}))).resolves.toBeDefined();
    await expect(auth.verify(token)).resolves.toBeDefined();
    expect(server.hits).toHaveLength(4);
  });

  it('a server that never answers times out: 503 within a second, no hanging request', async () => {
    const server = await serve(() => undefined);
    const { auth } = verifier(server.url, { timeoutDuration: 200 });
    const { error, ms } = await settle(auth.verify(await signK1.issue({})));
    expect(error).toMatchObject(unavailable);
    expect(isAuthError(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(1_000);
    expect(server.hits).toHaveLength(1);
  });

  it('the timeout covers a body that stalls after the headers', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    });
    const { error, ms } = await settle(
      verifier(server.url, { timeoutDuration: 200 }).auth.verify(await signK1.issue({})),
    );
    expect(error).toMatchObject(unavailable);
    expect(ms).toBeLessThan(1_000);
  });

  it('a refused connection with nothing cached is a 503 that keeps the fetch error as its cause', async () => {
    const server = await serveJson(() => ({ keys: [K1] }));
    await server.close();
    const token = await signK1.issue({});
    const error = (await settle(verifier(server.url).auth.verify(token))).error;
    expect(error).toMatchObject({ ...unavailable, message: 'verification keys unavailable' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain(token);
  });

  it('fetches again on the next verification after a first fetch failed', async () => {
    let status = 500;
    const server = await serve((_req, res) => res.writeHead(status).end(JSON.stringify({ keys: [K1] })));
    const { auth } = verifier(server.url);
    const token = await signK1.issue({});
    await expect(auth.verify(token)).rejects.toMatchObject(unavailable);
    status = 200;
    await expect(auth.verify(token)).resolves.toBeDefined();
    expect(server.hits).toHaveLength(2);
  });
});

describe('jwks: documents refused with nothing cached', { timeout: 5_000 }, () => {
  const big = ' '.repeat(2_000);
  const BODY_MARKER = 'zq9';
  /** Writes 16 KiB chunks until the client goes away. */
  const endless = (_req: IncomingMessage, res: ServerResponse): void => {
    const chunk = Buffer.alloc(16_384, 0x20);
    res.writeHead(200, { 'content-type': 'application/json' });
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  };
  type Handler = (req: IncomingMessage, res: ServerResponse) => void;
  const none: Omit<JwksOptions, 'url' | 'now'> = {};
  const rows: ReadonlyArray<readonly [string, Handler, Omit<JwksOptions, 'url' | 'now'>]> = [
    ['garbage body', (_q, res) => res.writeHead(200).end(`<html>${BODY_MARKER}</html>`), none],
    // Short enough that V8's parse error would quote all of it.
    ['a short non-JSON body', (_q, res) => res.writeHead(200).end(BODY_MARKER), none],
    ['JSON with a trailing comma', (_q, res) => res.writeHead(200).end(`{"keys":[],"a":1,}`), none],
    ['empty body', (_q, res) => res.writeHead(200).end(), none],
    ['JSON array', (_q, res) => res.writeHead(200).end(JSON.stringify([K1])), none],
    ['JSON null', (_q, res) => res.writeHead(200).end('null'), none],
    ['JSON string', (_q, res) => res.writeHead(200).end('"keys"'), none],
    ['keys an object', (_q, res) => res.writeHead(200).end(JSON.stringify({ keys: { 0: K1 } })), none],
    ['keys missing', (_q, res) => res.writeHead(200).end(JSON.stringify({ key: [K1] })), none],
    ['invalid UTF-8', (_q, res) => res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0x7d])), none],
    ['HTTP 500 with a valid set', (_q, res) => res.writeHead(500).end(JSON.stringify({ keys: [K1] })), none],
    ['HTTP 404 with a valid set', (_q, res) => res.writeHead(404).end(JSON.stringify({ keys: [K1] })), none],
    [
      'HTTP 302 with a valid set',
      (_q, res) => res.writeHead(302, { location: '/elsewhere' }).end(JSON.stringify({ keys: [K1] })),
      none,
    ],
    ['HTTP 204', (_q, res) => res.writeHead(204).end(), none],
    [
      'over maxBytes, with Content-Length',
      (_q, res) => res.writeHead(200).end(`{"keys":[${JSON.stringify(K1)}]}${big}`),
      { maxBytes: 1_024 },
    ],
    [
      'over maxBytes, chunked',
      (_q, res) => {
        res.writeHead(200);
        res.write(`{"keys":[${JSON.stringify(K1)}]}`);
        res.end(big);
      },
      { maxBytes: 1_024 },
    ],
    [
      'over the 1 MiB default',
      (_q, res) => res.writeHead(200).end(`{"keys":[${JSON.stringify(K1)}]}${' '.repeat(1_048_576)}`),
      none,
    ],
    [
      'a Content-Length over maxBytes, refused before any body (body never sent)',
      (_q, res) => {
        res.writeHead(200, { 'content-length': '5000000' });
        res.flushHeaders();
      },
      { maxBytes: 1_024, timeoutDuration: 3_000 },
    ],
    ['an endless body, cut at maxBytes', endless, { maxBytes: 65_536, timeoutDuration: 3_000 }],
  ];

  it.each(rows)('%s -> ERR_KEYS_UNAVAILABLE', async (_name, handler, options) => {
    const server = await serve(handler);
    const { error, ms } = await settle(verifier(server.url, options).auth.verify(await signK1.issue({})));
    expect(isAuthError(error)).toBe(true);
    expect(error).toMatchObject(unavailable);
    expect(ms).toBeLessThan(1_000);
    // The cause explains the failure to an operator but never quotes what the server sent.
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).message).not.toContain(BODY_MARKER);
  });

  it('a body of exactly maxBytes is accepted', async () => {
    const body = JSON.stringify({ keys: [K1] });
    const server = await serve((_q, res) => res.writeHead(200).end(body));
    const { auth } = verifier(server.url, { maxBytes: Buffer.byteLength(body) });
    await expect(auth.verify(await signK1.issue({}))).resolves.toBeDefined();
  });

  it('a garbage refresh keeps the cached set', async () => {
    let body = JSON.stringify({ keys: [K1] });
    const server = await serve((_q, res) => res.writeHead(200).end(body));
    const { auth, advance } = verifier(server.url);
    const token = await signK1.issue({});
    await auth.verify(token);
    body = '{"keys": "gone"}';
    advance(MAX_AGE);
    await expect(auth.verify(token)).resolves.toBeDefined();
    expect(server.hits).toHaveLength(2);
  });
});

describe('jwks: keys skipped, good keys kept', { timeout: 5_000 }, () => {
  const privateJwk = createPrivateKey(privatePemB).export({ format: 'jwk' });
  const ecJwk = createPublicKey(fixture('test-only-ec-p256-public.pem')).export({ format: 'jwk' });
  const skipped: ReadonlyArray<readonly [string, unknown]> = [
    ['ec', { ...ecJwk, kid: 'ec', alg: 'RS256', use: 'sig' }],
    ['oct', { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url'), kid: 'oct', alg: 'RS256' }],
    ['enc', { ...K2, kid: 'enc', use: 'enc' }],
    ['rs512', { ...K2, kid: 'rs512', alg: 'RS512' }],
    ['ops', { ...K2, kid: 'ops', key_ops: ['encrypt'] }],
    ['small', jwkOf(fixture('test-only-rsa-1024-public.pem'), { kid: 'small' })],
    ['private', { ...privateJwk, kid: 'private', alg: 'RS256', use: 'sig' }],
    ['p-only', { ...K2, kid: 'p-only', p: privateJwk.p }],
    ['garbage-n', { ...K2, kid: 'garbage-n', n: 'not-a-modulus!' }],
    ['numeric-n', { ...K2, kid: 'numeric-n', n: 12345 }],
  ];
  const keys = [null, 'a string', 42, [K2], { ...K2, kid: 7 }, ...skipped.map(([, jwk]) => jwk), K1];
  const pemFor = (kid: string): string =>
    kid === 'small' ? private1024Pem : kid === 'private' || kid === 'p-only' ? privatePemB : privatePem;

  it.each(skipped.map(([kid]) => kid))('skips the %s key', async (kid) => {
    const server = await serveJson(() => ({ keys }));
    const { auth } = verifier(server.url);
    await expect(auth.verify(tokenWith({ kid }, pemFor(kid)))).rejects.toMatchObject(notFound);
  });

  it('still verifies with the one good key, by kid and without kid', async () => {
    const server = await serveJson(() => ({ keys }));
    const { auth } = verifier(server.url);
    await expect(auth.verify(await signK1.issue({ sub: 'good' }))).resolves.toMatchObject({ sub: 'good' });
    await expect(auth.verify(await signer(undefined).issue({ sub: 'nokid' }))).resolves.toMatchObject({
      sub: 'nokid',
    });
    expect(server.hits).toHaveLength(1);
  });

  it('reports the signature keys it could not trust, once a fetch finds them, never the keys meant for others', async () => {
    let served: unknown[] = keys;
    const server = await serveJson(() => ({ keys: served }));
    const events: AuthEvent[] = [];
    let t = NOW_MS;
    const auth = createAuth({
      key: jwks({ url: server.url, now: () => t, cacheMaxAge: 0 }),
      now: fixedNow,
      onEvent: (event) => void events.push(event),
    });
    const skippedEvents = (): AuthEvent[] => events.filter((e) => e.type === 'key-skipped');
    await auth.verify(await signK1.issue({}));
    expect(skippedEvents()).toEqual([
      { type: 'key-skipped', kid: undefined, reason: 'invalid' }, // kid: 7
      { type: 'key-skipped', kid: 'small', reason: 'weak' },
      { type: 'key-skipped', kid: 'private', reason: 'private' },
      { type: 'key-skipped', kid: 'p-only', reason: 'private' },
      // Node reads the stray characters leniently, into a modulus of a few bits.
      { type: 'key-skipped', kid: 'garbage-n', reason: 'weak' },
      { type: 'key-skipped', kid: 'numeric-n', reason: 'invalid' },
    ]);
    // A refetch that finds the same keys says nothing again; a key newly left out is heard.
    t += COOLDOWN;
    await auth.verify(await signK1.issue({}));
    expect(server.hits).toHaveLength(2);
    expect(skippedEvents()).toHaveLength(6);
    served = [...keys, { ...K2, kid: 'newly-private', d: privateJwk.d }];
    t += COOLDOWN;
    await auth.verify(await signK1.issue({}));
    expect(server.hits).toHaveLength(3);
    expect(skippedEvents().slice(6)).toEqual([
      { type: 'key-skipped', kid: 'newly-private', reason: 'private' },
    ]);
  });

  it('an empty set is a valid answer: ERR_KEY_NOT_FOUND, not an outage', async () => {
    const server = await serveJson(() => ({ keys: [] }));
    await expect(verifier(server.url).auth.verify(await signK1.issue({}))).rejects.toMatchObject(notFound);
  });
});

describe('jwks: cross-check with jose', { timeout: 5_000 }, () => {
  it("jose's createRemoteJWKSet verifies our token against the same served set", async () => {
    const server = await serveJson(() => ({ keys: [K1, K2] }));
    const token = await signK1.issue({ sub: 'ours' });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(server.url)), {
      algorithms: ['RS256'],
      currentDate: new Date(NOW_MS),
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    expect(payload).toMatchObject({ sub: 'ours' });
    await expect(verifier(server.url).auth.verify(token)).resolves.toMatchObject({ sub: 'ours' });
  });

  it('we verify a jose SignJWT token whose kid is in the set', async () => {
    const server = await serveJson(() => ({ keys: [K1, K2] }));
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k2' })
      .setSubject('theirs')
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .sign(createPrivateKey(privatePemB));
    await expect(verifier(server.url).auth.verify(token)).resolves.toEqual({
      role: 'admin',
      sub: 'theirs',
      iat: NOW,
      exp: NOW + 60,
    });
  });
});

describe('jwks: options', () => {
  const url = 'https://issuer.example/.well-known/jwks.json';
  const rows: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['no options', undefined, /jwks needs/],
    ['null options', null, /jwks needs/],
    ['a string', url, /jwks needs/],
    ['no url', {}, /"url"/],
    ['a numeric url', { url: 42 }, /"url"/],
    ['a relative url', { url: '/jwks.json' }, /"url"/],
    ['an ftp url', { url: 'ftp://issuer.example/jwks.json' }, /"url"/],
    ['a file url', { url: new URL('file:///etc/passwd') }, /"url"/],
    ['a url with credentials', { url: 'https://user:pw@issuer.example/jwks.json' }, /"url"/],
    // Keys fetched in clear could be swapped on the way: http only on the loopback.
    [
      'a plain http url to another host',
      { url: 'http://issuer.example/jwks.json' },
      /^jwt-gate: jwks "url" must be an https: URL \(http: only on the loopback\)$/,
    ],
    ['an unknown option', { url, timeout: 100 }, /unknown jwks option "timeout"/],
    // A fetch that may take no time, or a body of no bytes, can never succeed.
    [
      'timeoutDuration 0',
      { url, timeoutDuration: 0 },
      /^jwt-gate: jwks "timeoutDuration" must be a positive whole number of ms up to 2147483647$/,
    ],
    ['timeoutDuration as a string', { url, timeoutDuration: '5000' }, /"timeoutDuration"/],
    ['timeoutDuration beyond a timer', { url, timeoutDuration: 2 ** 31 }, /"timeoutDuration"/],
    [
      'cacheMaxAge negative',
      { url, cacheMaxAge: -1 },
      /^jwt-gate: jwks "cacheMaxAge" must be a whole number of ms, 0 or more$/,
    ],
    ['cacheMaxAge fractional', { url, cacheMaxAge: 1.5 }, /"cacheMaxAge"/],
    ['cacheMaxAge Infinity', { url, cacheMaxAge: Infinity }, /"cacheMaxAge"/],
    [
      'cooldownDuration negative',
      { url, cooldownDuration: -1 },
      /^jwt-gate: jwks "cooldownDuration" must be a whole number of ms, 0 or more$/,
    ],
    ['cooldownDuration -0.5', { url, cooldownDuration: -0.5 }, /"cooldownDuration"/],
    ['cooldownDuration NaN', { url, cooldownDuration: NaN }, /"cooldownDuration"/],
    [
      'maxBytes 0',
      { url, maxBytes: 0 },
      /^jwt-gate: jwks "maxBytes" must be a positive whole number of bytes$/,
    ],
    ['now not a function', { url, now: 123 }, /"now"/],
  ];

  it.each(rows)('refuses %s with a TypeError naming it', (_name, options, message) => {
    const err = caught(() => looseJwks(options));
    expect(err.constructor).toBe(TypeError);
    expect(err.message).toMatch(/^jwt-gate: /);
    expect(err.message).toMatch(message);
  });

  it('takes https anywhere and http on the loopback', () => {
    for (const ok of [
      'https://issuer.example/jwks.json',
      'http://127.0.0.1:8080/jwks.json',
      'http://localhost/jwks.json',
      'http://[::1]/jwks.json',
    ]) {
      expect(jwks({ url: ok }).algorithms.length, ok).toBeGreaterThan(0);
    }
  });

  it('accepts every option at its smallest value: 0 for cacheMaxAge and cooldownDuration', () => {
    const provider = jwks({
      url,
      timeoutDuration: 1,
      cacheMaxAge: 0,
      cooldownDuration: 0,
      maxBytes: 1,
      now: Date.now,
    });
    expect(provider.algorithms).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']);
  });
});

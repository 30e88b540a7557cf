// oidc() against a local server playing an OpenID Provider: discovery, rotation, a wrong issuer, an outage.
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  eddsa,
  es256,
  keySet,
  oidc,
  rs256,
  type Auth,
  type KeyProvider,
  type OidcOptions,
} from '../../src/index.js';
import { requireAuth as expressGuard } from '../../adapters/express.js';
import { requireAuth as koaGuard } from '../../adapters/koa.js';
import { requireAuth as fastifyGuard } from '../../adapters/fastify.js';
import { NOW_MS, caught, fixedNow, fixture } from '../helpers.js';
import { listenerOf } from '../support/fastify.js';
import { serve, type TestServer } from '../support/servers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const unavailable = { code: 'ERR_KEYS_UNAVAILABLE', status: 503 };
const COOLDOWN = 30_000;
const MAX_AGE = 600_000;

interface Idp {
  readonly server: TestServer;
  readonly issuer: string;
  /** Issues tokens as the IdP, with the key of `kid`. */
  issue(claims: Record<string, unknown>, kid?: string): Promise<string>;
  /** What the discovery document says; change it to change what is served. */
  config: Record<string, unknown>;
  /** The kids the JWK Set serves. */
  served: string[];
  status: number;
}

/** An IdP at `path` on a loopback server: its discovery document, and a JWK Set of ES256, EdDSA and RS256 keys. */
async function idp(path = ''): Promise<Idp> {
  const all = keySet(
    [
      es256({ privateKey: pem('ec-p256-private'), kid: 'k1' }),
      eddsa({ privateKey: pem('ed25519-private'), kid: 'k2' }),
      rs256({ privateKey: pem('rsa-2048-private'), kid: 'k3' }),
    ],
    { active: 'k1' },
  );
  const state = { config: {} as Record<string, unknown>, served: ['k1'], status: 200 };
  // eslint-disable-next-line prefer-const -- assigned once the server's address makes the issuer
  let signer: Auth | undefined;
  const server = await serve((req, res) => {
    const body =
      req.url === `${path}/.well-known/openid-configuration`
        ? state.config
        : req.url?.startsWith('/keys')
          ? { keys: signer?.jwks().keys.filter((k) => state.served.includes(k.kid ?? '')) }
          : undefined;
    res
      .writeHead(body === undefined ? 404 : state.status, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? {}));
  });
  const issuer = `${server.origin}${path}`;
  signer = createAuth({ key: all, issuer, audience: 'client-1', now: fixedNow });
  state.config = {
    issuer,
    jwks_uri: `${server.origin}/keys`,
    id_token_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256'],
  };
  return Object.assign(state, {
    server,
    issuer,
    issue: (claims: Record<string, unknown>, kid?: string) =>
      signer.issue(claims, kid === undefined ? {} : { kid }),
  });
}

function verifier(options: OidcOptions): { auth: Auth; provider: KeyProvider; advance(ms: number): void } {
  let t = NOW_MS;
  const provider = oidc({ now: () => t, ...options });
  return {
    auth: createAuth({ key: provider, audience: 'client-1', now: fixedNow }),
    provider,
    advance: (ms) => (t += ms),
  };
}

describe('oidc: discovery', { timeout: 5_000 }, () => {
  it('fetches the discovery document once, then the JWK Set it names, and verifies the IdP tokens', async () => {
    const id = await idp();
    const { auth, provider } = verifier({ issuer: id.issuer });
    expect(id.server.hits).toHaveLength(0);
    expect(provider).toMatchObject({ issuer: id.issuer });
    for (let i = 0; i < 3; i++)
      await expect(auth.verify(await id.issue({ sub: `u${i}` }))).resolves.toMatchObject({
        sub: `u${i}`,
        iss: id.issuer,
      });
    expect(id.server.hits).toEqual(['GET /.well-known/openid-configuration', 'GET /keys']);
  });

  it('an issuer with a path keeps it, and a trailing slash is dropped before the well-known suffix', async () => {
    const id = await idp('/realms/app');
    await expect(
      verifier({ issuer: id.issuer }).auth.verify(await id.issue({ sub: 'p' })),
    ).resolves.toMatchObject({ sub: 'p' });
    expect(id.server.hits[0]).toBe('GET /realms/app/.well-known/openid-configuration');
    const slash = await idp('/t');
    slash.config = { ...slash.config, issuer: `${slash.issuer}/` };
    await verifier({ issuer: `${slash.issuer}/` })
      .auth.verify(await slash.issue({}))
      .catch(() => undefined);
    expect(slash.server.hits[0]).toBe('GET /t/.well-known/openid-configuration');
  });

  it('makes createAuth check iss against the issuer: another issuer or none is ERR_CLAIM_INVALID', async () => {
    const id = await idp();
    const { auth } = verifier({ issuer: id.issuer });
    const other = createAuth({
      key: es256({ privateKey: pem('ec-p256-private'), kid: 'k1' }),
      issuer: 'https://other.example',
      audience: 'client-1',
      now: fixedNow,
    });
    const none = createAuth({
      key: es256({ privateKey: pem('ec-p256-private'), kid: 'k1' }),
      audience: 'client-1',
      now: fixedNow,
    });
    await expect(auth.verify(await other.issue({}))).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'iss',
    });
    await expect(auth.verify(await none.issue({}))).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'iss',
    });
  });

  it('createAuth takes the same issuer again, and refuses another with a TypeError', async () => {
    const id = await idp();
    const provider = oidc({ issuer: id.issuer });
    await expect(
      createAuth({ key: provider, issuer: id.issuer, now: fixedNow }).verify(await id.issue({})),
    ).resolves.toBeDefined();
    const err = caught(() => createAuth({ key: provider, issuer: `${id.issuer}/` }));
    expect(err.constructor).toBe(TypeError);
    expect(err.message).toMatch(/"issuer" must be the key provider's issuer/);
  });

  it('rotation: a new kid is picked up with one refetch of the JWK Set, not of the discovery document', async () => {
    const id = await idp();
    const { auth, advance } = verifier({ issuer: id.issuer });
    const old = await id.issue({ sub: 'old' }, 'k1');
    await auth.verify(old);
    id.served = ['k1', 'k2'];
    advance(COOLDOWN);
    await expect(auth.verify(await id.issue({ sub: 'new' }, 'k2'))).resolves.toMatchObject({ sub: 'new' });
    await expect(auth.verify(old)).resolves.toMatchObject({ sub: 'old' });
    expect(id.server.hits).toEqual(['GET /.well-known/openid-configuration', 'GET /keys', 'GET /keys']);
  });

  it('refetches the discovery document once it is older than cacheMaxAge, and follows a new jwks_uri', async () => {
    const id = await idp();
    const { auth, advance } = verifier({ issuer: id.issuer });
    await auth.verify(await id.issue({}));
    id.config = { ...id.config, jwks_uri: `${id.server.origin}/keys?v=2` };
    advance(MAX_AGE);
    await expect(auth.verify(await id.issue({ sub: 'moved' }))).resolves.toMatchObject({ sub: 'moved' });
    expect(id.server.hits.slice(2)).toEqual(['GET /.well-known/openid-configuration', 'GET /keys?v=2']);
  });

  it('keeps the held document and keys when the IdP goes down', async () => {
    const id = await idp();
    const { auth, advance } = verifier({ issuer: id.issuer });
    const token = await id.issue({ sub: 'kept' });
    await auth.verify(token);
    id.status = 503;
    advance(MAX_AGE + COOLDOWN);
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'kept' });
  });
});

describe('oidc: documents refused, endpoints down: 503, never 401', { timeout: 5_000 }, () => {
  const rows: ReadonlyArray<readonly [string, (id: Idp) => void]> = [
    [
      'another issuer in the document',
      (id) => (id.config = { ...id.config, issuer: 'https://evil.example' }),
    ],
    [
      'the issuer with a trailing slash added',
      (id) => (id.config = { ...id.config, issuer: `${id.issuer}/` }),
    ],
    ['no issuer in the document', (id) => (id.config = { jwks_uri: id.config.jwks_uri })],
    ['no jwks_uri', (id) => (id.config = { issuer: id.issuer })],
    ['a jwks_uri that is not a URL', (id) => (id.config = { ...id.config, jwks_uri: 'keys' })],
    [
      'a plain-HTTP jwks_uri off the loopback',
      (id) => (id.config = { ...id.config, jwks_uri: 'http://id.example/keys' }),
    ],
    [
      'a jwks_uri with credentials',
      (id) => (id.config = { ...id.config, jwks_uri: 'https://u:p@id.example/keys' }),
    ],
    ['a document that is an array', (id) => (id.config = [id.config] as unknown as Record<string, unknown>)],
    ['HTTP 503 from the IdP', (id) => (id.status = 503)],
  ];

  it.each(rows)('%s: ERR_KEYS_UNAVAILABLE, and no JWK Set is fetched', async (_name, spoil) => {
    const id = await idp();
    spoil(id);
    const error = await verifier({ issuer: id.issuer })
      .auth.verify(await id.issue({}))
      .catch((e: unknown) => e);
    expect(error).toMatchObject(unavailable);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(id.server.hits).toEqual(['GET /.well-known/openid-configuration']);
  });

  it('an unreachable IdP is a 503 through Express, Koa and Fastify', async () => {
    const id = await idp();
    const token = await id.issue({});
    await id.server.close();
    const auth = verifier({ issuer: id.issuer }).auth;
    const app = express().get('/me', expressGuard(auth), (_req, res) => res.json({ ok: true }));
    const res = await request(app).get('/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    const koa = new Koa().use(koaGuard(auth)).use((ctx) => (ctx.body = { ok: true }));
    const koaRes = await request(koa.callback()).get('/me').set('Authorization', `Bearer ${token}`);
    expect(koaRes.status).toBe(503);
    expect(koaRes.body).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    const fastify = Fastify().get('/me', { onRequest: fastifyGuard(auth) }, async () => ({ ok: true }));
    const fastifyRes = await request(listenerOf(fastify)).get('/me').set('Authorization', `Bearer ${token}`);
    expect(fastifyRes.status).toBe(503);
    expect(fastifyRes.body).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
  });
});

describe('oidc: options', () => {
  it.each([
    ['no options', undefined, /oidc needs \{ issuer \}/],
    ['a bare string', 'https://id.example', /oidc needs \{ issuer \}/],
    ['no issuer', {}, /"issuer" must be the issuer URL/],
    [
      'a URL object',
      { issuer: new URL('https://id.example') },
      /"issuer" must be the issuer URL as a string/,
    ],
    [
      'plain HTTP off the loopback',
      { issuer: 'http://id.example' },
      /"issuer" must be an https: URL \(http: only on the loopback\)/,
    ],
    ['a query', { issuer: 'https://id.example?tenant=a' }, /no query and no fragment/],
    ['a fragment', { issuer: 'https://id.example#a' }, /no query and no fragment/],
    ['credentials', { issuer: 'https://u:p@id.example' }, /must not carry credentials/],
    ['an ftp URL', { issuer: 'ftp://id.example' }, /must be an http: or https: URL/],
    [
      'an unknown option',
      { issuer: 'https://id.example', url: 'https://id.example/jwks' },
      /unknown oidc option "url"/,
    ],
    [
      'cooldownDuration negative',
      { issuer: 'https://id.example', cooldownDuration: -1 },
      /oidc "cooldownDuration" must be a whole number of ms, 0 or more/,
    ],
  ])('refuses %s with a TypeError', (_name, options, message) => {
    const err = caught(() => (oidc as unknown as (o: unknown) => unknown)(options));
    expect(err.constructor).toBe(TypeError);
    expect(err.message).toMatch(message);
  });

  it.each([
    'https://id.example',
    'https://id.example/',
    'https://id.example/realms/x',
    'http://127.0.0.1:8080',
    'http://localhost:3000/idp',
    'http://[::1]:9000',
  ])('takes %s', (issuer) => {
    expect(oidc({ issuer }).issuer).toBe(issuer);
  });
});

// Several issuers that publish their keys (jwks, oidc), on loopback servers: a token claiming one issuer is
// checked against that issuer's set alone (the other's is not even fetched), kids that collide across
// sets stay apart, and one issuer's outage is that issuer's alone.
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  jwks,
  keySet,
  oidc,
  rs256,
  type Auth,
  type AuthEvent,
  type KeyProvider,
} from '../../src/index.js';
import { fixedNow, fixture } from '../helpers.js';
import { serve, type TestServer } from '../support/servers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const A = 'https://a.example';
const B = 'https://b.example';

interface Publisher {
  readonly server: TestServer;
  /** Answer every request with this status (200: the set). */
  status: number;
}

/** A server publishing the public keys of `key` at /.well-known/jwks.json. */
async function publish(key: KeyProvider): Promise<Publisher> {
  const state = { status: 200 };
  const keys = key.publicJwks?.() ?? [];
  const server = await serve((_req, res) => {
    res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  return Object.assign(state, { server });
}

const signer = (key: KeyProvider, issuer: string): Auth =>
  createAuth({ key, issuer, audience: 'api', now: fixedNow, store: false });

// Both issuers name their key "k1"; A's set also publishes B's key under "kb" (a set may hold any key).
const aKey = rs256({ privateKey: pem('rsa-2048-private'), kid: 'k1' });
const bKey = rs256({ privateKey: pem('rsa-2048-b-private'), kid: 'k1' });
const bAsKb = rs256({ privateKey: pem('rsa-2048-b-private'), kid: 'kb' });

describe('issuers whose keys are fetched', { timeout: 10_000 }, () => {
  async function setup(events?: AuthEvent[]): Promise<{ auth: Auth; a: Publisher; b: Publisher }> {
    const a = await publish(keySet([aKey, bAsKb], { active: 'k1' }));
    const b = await publish(bKey);
    const auth = createAuth({
      key: false,
      issuers: [
        { issuer: A, key: jwks({ url: a.server.url }), audience: 'api' },
        { issuer: B, key: jwks({ url: b.server.url }), audience: 'api' },
      ],
      now: fixedNow,
      ...(events === undefined ? {} : { onEvent: (e: AuthEvent) => events.push(e) }),
    });
    return { auth, a, b };
  }

  it('a token claiming B is checked against B’s set alone: A’s set is never fetched for it', async () => {
    const { auth, a, b } = await setup();
    await expect(auth.verify(await signer(bKey, B).issue({ sub: 'b' }))).resolves.toMatchObject({ iss: B });
    expect(a.server.hits).toEqual([]);
    expect(b.server.hits).toHaveLength(1);
  });

  it('A’s key "k1", claiming B whose set has a "k1" of its own: ERR_SIGNATURE_INVALID', async () => {
    const { auth } = await setup();
    await expect(auth.verify(await signer(aKey, B).issue({}))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });

  it('a key only A’s set serves ("kb"), claiming B: B’s set has no such kid, ERR_KEY_NOT_FOUND', async () => {
    const { auth, a } = await setup();
    await expect(auth.verify(await signer(bAsKb, B).issue({}))).rejects.toMatchObject({
      code: 'ERR_KEY_NOT_FOUND',
    });
    expect(a.server.hits).toEqual([]);
  });

  it('what A’s set serves speaks for A alone: "kb" verifies a token claiming A, as A’s, under A’s rules', async () => {
    const { auth } = await setup();
    await expect(auth.verify(await signer(bAsKb, A).issue({ sub: 'x' }))).resolves.toMatchObject({
      iss: A,
      sub: 'x',
    });
  });

  it('A’s outage is A’s: its tokens get 503, B’s verify, and the events name A', async () => {
    const events: AuthEvent[] = [];
    const { auth, a } = await setup(events);
    a.status = 500;
    const fromA = await signer(aKey, A).issue({});
    const fromB = await signer(bKey, B).issue({});
    await expect(auth.verify(fromA)).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', status: 503 });
    await expect(auth.verify(fromB)).resolves.toMatchObject({ iss: B });
    await expect(auth.verify(fromA)).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
    const outages = events.filter((e) => e.type === 'keys-unavailable' || e.type === 'keys-recovered');
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ type: 'keys-unavailable', issuer: A });
  });
});

describe('an oidc() issuer beside a jwks() one', { timeout: 10_000 }, () => {
  it('takes its issuer from the discovery it names, and verifies each with its own set', async () => {
    const b = await publish(bKey);
    let issuer = '';
    const idpKeys = keySet([aKey], { active: 'k1' }).publicJwks?.() ?? [];
    const idp = await serve((req, res) => {
      const body =
        req.url === '/.well-known/openid-configuration'
          ? { issuer, jwks_uri: `${issuer}/keys` }
          : { keys: idpKeys };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    issuer = idp.origin;
    const auth = createAuth({
      key: false,
      issuers: [
        { key: oidc({ issuer }), audience: 'api' },
        { issuer: B, key: jwks({ url: b.server.url }), audience: 'api' },
      ],
      now: fixedNow,
    });
    await expect(auth.verify(await signer(aKey, issuer).issue({ sub: 'i' }))).resolves.toMatchObject({
      iss: issuer,
    });
    await expect(auth.verify(await signer(aKey, B).issue({}))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
    await expect(auth.verify(await signer(bKey, issuer).issue({}))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE_INVALID',
    });
  });
});

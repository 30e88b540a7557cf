// JWK Sets both ways with every algorithm: what auth.jwks() publishes, jwks({ url }) verifies with.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  eddsa,
  es256,
  jwks,
  keySet,
  ps256,
  rs256,
  type Auth,
  type KeyProvider,
  type PublicJwk,
} from '../../src/index.js';
import { NOW_MS, b64, fixedNow, fixture } from '../helpers.js';
import { serveJson } from '../support/servers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const members = (name: string): Record<string, unknown> =>
  createPublicKey(pem(name)).export({ format: 'jwk' });

const providers = {
  rs: rs256({ privateKey: pem('rsa-2048-private'), kid: 'rs' }),
  ps: ps256({ privateKey: pem('rsa-pss-2048-private'), kid: 'ps' }),
  es: es256({ privateKey: pem('ec-p256-private'), kid: 'es' }),
  ed: eddsa({ privateKey: pem('ed25519-private'), kid: 'ed' }),
  ed2: eddsa({ privateKey: pem('ed25519-b-private'), kid: 'ed2', alg: 'Ed25519' }),
};
const issuer = createAuth({ key: keySet(Object.values(providers), { active: 'es' }), now: fixedNow });
const signerOf = (provider: KeyProvider): Auth => createAuth({ key: provider, now: fixedNow });
const verifierOf = (url: string): Auth =>
  createAuth({ key: jwks({ url, now: () => NOW_MS }), now: fixedNow });
const notFound = { code: 'ERR_KEY_NOT_FOUND', status: 401 };

/** A token with `header` and a signature by `provider` over another header: refused before any crypto, or it would not verify. */
async function relabelled(provider: KeyProvider, header: Record<string, unknown>): Promise<string> {
  const [, payload, signature] = (await signerOf(provider).issue({ sub: 'x' })).split('.');
  return `${b64(header)}.${payload}.${signature}`;
}

describe('auth.jwks() publishes every public key; jwks({ url }) verifies with them', () => {
  it('publishes RSA, RSA for PS256, EC P-256 and OKP Ed25519 keys, each with its alg', () => {
    expect(
      issuer.jwks().keys.map((k: PublicJwk) => [k.kid, k.kty, 'crv' in k ? k.crv : undefined, k.alg]),
    ).toEqual([
      ['rs', 'RSA', undefined, 'RS256'],
      ['ps', 'RSA', undefined, 'PS256'],
      ['es', 'EC', 'P-256', 'ES256'],
      ['ed', 'OKP', 'Ed25519', 'EdDSA'],
      ['ed2', 'OKP', 'Ed25519', 'Ed25519'],
    ]);
  });

  it.each(Object.keys(providers))(
    'a token signed with kid %s verifies through the served set',
    async (kid) => {
      const server = await serveJson(() => issuer.jwks());
      const token = await issuer.issue({ sub: kid }, { kid });
      await expect(verifierOf(server.url).verify(token)).resolves.toMatchObject({ sub: kid });
      expect(server.hits).toHaveLength(1);
    },
  );

  it('an Ed25519 key verifies tokens under both names, whichever its JWK says', async () => {
    const server = await serveJson(() => issuer.jwks());
    const verifier = verifierOf(server.url);
    const asEd25519 = signerOf(eddsa({ privateKey: pem('ed25519-private'), kid: 'ed', alg: 'Ed25519' }));
    const asEdDSA = signerOf(eddsa({ privateKey: pem('ed25519-b-private'), kid: 'ed2', alg: 'EdDSA' }));
    await expect(verifier.verify(await asEd25519.issue({ sub: 'named Ed25519' }))).resolves.toMatchObject({
      sub: 'named Ed25519',
    });
    await expect(verifier.verify(await asEdDSA.issue({ sub: 'named EdDSA' }))).resolves.toMatchObject({
      sub: 'named EdDSA',
    });
  });

  it.each([
    ['a PS256 token naming the RS256 key', providers.rs, { alg: 'PS256', kid: 'rs' }],
    ['an RS256 token naming the PS256 key', providers.ps, { alg: 'RS256', kid: 'ps' }],
    ['an ES256 token naming the Ed25519 key', providers.ed, { alg: 'ES256', kid: 'ed' }],
    ['an EdDSA token naming the EC key', providers.es, { alg: 'EdDSA', kid: 'es' }],
    ['an HS256 token naming the EC key', providers.es, { alg: 'HS256', kid: 'es' }],
  ])('refuses %s before any crypto: ERR_ALG_NOT_ALLOWED', async (_name, provider, header) => {
    const server = await serveJson(() => issuer.jwks());
    await expect(verifierOf(server.url).verify(await relabelled(provider, header))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('an RSA key published without alg verifies RS256 only: PS256 needs the JWK to say so', async () => {
    const { alg: _alg, ...withoutAlg } = issuer.jwks().keys[0] as PublicJwk;
    const server = await serveJson(() => ({ keys: [{ ...withoutAlg, kid: 'plain' }] }));
    const verifier = verifierOf(server.url);
    await expect(
      verifier.verify(
        await signerOf(rs256({ privateKey: pem('rsa-2048-private'), kid: 'plain' })).issue({ sub: 'r' }),
      ),
    ).resolves.toMatchObject({ sub: 'r' });
    const pssToken = await signerOf(ps256({ privateKey: pem('rsa-2048-private'), kid: 'plain' })).issue({
      sub: 'p',
    });
    await expect(verifier.verify(pssToken)).rejects.toMatchObject({ code: 'ERR_ALG_NOT_ALLOWED' });
  });

  it('EC and OKP keys published without alg are taken for ES256 and EdDSA', async () => {
    const strip = (jwk: PublicJwk): Record<string, unknown> => {
      const { alg: _alg, use: _use, ...rest } = jwk;
      return rest;
    };
    const server = await serveJson(() => ({
      keys: issuer
        .jwks()
        .keys.filter((k) => k.kty !== 'RSA')
        .map(strip),
    }));
    const verifier = verifierOf(server.url);
    for (const kid of ['es', 'ed', 'ed2'])
      await expect(verifier.verify(await issuer.issue({ sub: kid }, { kid }))).resolves.toMatchObject({
        sub: kid,
      });
  });
});

describe('jwks: EC and OKP keys skipped, good keys kept', () => {
  const ec = { ...members('ec-p256-b-public'), use: 'sig' };
  const okp = { ...members('ed25519-b-public'), use: 'sig' };
  const skipped: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['a P-384 key', { ...members('ec-p384-public'), alg: 'ES256' }],
    ['a P-384 key labelled P-256', { ...members('ec-p384-public'), crv: 'P-256' }],
    ['a secp256k1 key', members('ec-secp256k1-public')],
    ['a P-256 key for ES384', { ...ec, alg: 'ES384' }],
    ['a P-256 key for RS256', { ...ec, alg: 'RS256' }],
    ['an Ed448 key', members('ed448-public')],
    ['an X25519 key', members('x25519-public')],
    ['an Ed25519 key for ES256', { ...okp, alg: 'ES256' }],
    ['an Ed25519 key labelled Ed448', { ...okp, crv: 'Ed448' }],
    ['an RSA key for PS384', { ...members('rsa-2048-b-public'), alg: 'PS384' }],
    [
      'an EC key with its private d',
      {
        ...(createPrivateKey(pem('ec-p256-b-private')).export({ format: 'jwk' }) as Record<string, unknown>),
        alg: 'ES256',
      },
    ],
    [
      'an OKP key with its private d',
      {
        ...(createPrivateKey(pem('ed25519-b-private')).export({ format: 'jwk' }) as Record<string, unknown>),
        alg: 'EdDSA',
      },
    ],
    ['an EC key for encryption', { ...ec, use: 'enc' }],
    ['an OKP key missing x', { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }],
  ];

  it.each(skipped)('skips %s; the good keys of the set still verify', async (_name, jwk) => {
    const server = await serveJson(() => ({ keys: [{ ...jwk, kid: 'bad' }, ...issuer.jwks().keys] }));
    const verifier = verifierOf(server.url);
    await expect(
      verifier.verify(await relabelled(providers.es, { alg: 'ES256', kid: 'bad' })),
    ).rejects.toMatchObject(notFound);
    await expect(verifier.verify(await issuer.issue({ sub: 'ok' }, { kid: 'es' }))).resolves.toMatchObject({
      sub: 'ok',
    });
  });

  it('refuses a kid published twice, across key types too, instead of trying both', async () => {
    const keys = issuer.jwks().keys;
    const server = await serveJson(() => ({ keys: [...keys, { ...keys[3], kid: 'es' }] }));
    await expect(verifierOf(server.url).verify(await issuer.issue({}, { kid: 'es' }))).rejects.toMatchObject(
      notFound,
    );
  });
});

// jose is an independent implementation: tokens must pass between the two in both directions.
import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuth, eddsa, es256, hs256, jwks, keySet, ps256, rs256 } from '../src/index.js';
import { NOW, NOW_MS, SECRET, fixedNow, fixture } from './helpers.js';
import { AUDIENCE, ISSUER, rsaPrivatePem, rsaPublicPem } from './hostile-tokens.js';
import { serveJson } from './support/servers.js';

const secret = createSecretKey(Buffer.from(SECRET));
const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const pair = (name: string) =>
  [createPrivateKey(pem(`${name}-private`)), createPublicKey(pem(`${name}-public`))] as const;
const setups = [
  ['HS256', hs256(SECRET), secret, secret],
  [
    'RS256',
    rs256({ privateKey: rsaPrivatePem }),
    createPrivateKey(rsaPrivatePem),
    createPublicKey(rsaPublicPem),
  ],
  ['PS256', ps256({ privateKey: rsaPrivatePem }), ...pair('rsa-2048')],
  ['ES256', es256({ privateKey: pem('ec-p256-private') }), ...pair('ec-p256')],
  ['EdDSA', eddsa({ privateKey: pem('ed25519-private') }), ...pair('ed25519')],
  ['Ed25519', eddsa({ privateKey: pem('ed25519-private'), alg: 'Ed25519' }), ...pair('ed25519')],
] as const;

describe.each(setups)('%s with jose', (alg, key, joseSigningKey, joseVerifyKey) => {
  const auth = createAuth({ key, issuer: ISSUER, audience: AUDIENCE, now: fixedNow });

  it('jose verifies our tokens', async () => {
    const token = await auth.issue({ sub: 'u1', role: 'admin' });
    const { payload, protectedHeader } = await jwtVerify(token, joseVerifyKey, {
      algorithms: [alg],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'JWT',
      currentDate: new Date(NOW_MS),
    });
    expect(protectedHeader).toEqual({ alg, typ: 'JWT' });
    expect(payload).toMatchObject({ sub: 'u1', role: 'admin', iat: NOW, exp: NOW + 3600 });
  });

  it('we verify jose tokens', async () => {
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setSubject('u2')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .setJti('j1')
      .sign(joseSigningKey);
    await expect(auth.verify(token)).resolves.toEqual({
      role: 'admin',
      sub: 'u2',
      iss: ISSUER,
      aud: AUDIENCE,
      iat: NOW,
      exp: NOW + 60,
      jti: 'j1',
    });
  });

  it('we refuse a jose token for another audience, and jose refuses ours once expired', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg })
      .setAudience('other')
      .setIssuer(ISSUER)
      .setExpirationTime(NOW + 60)
      .sign(joseSigningKey);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'aud' });
    const ours = await auth.issue({ sub: 'u1' }, { expiresIn: 1 });
    await expect(
      jwtVerify(ours, joseVerifyKey, { currentDate: new Date(NOW_MS + 2000) }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

describe('over a published JWK Set, both ways', { timeout: 5_000 }, () => {
  // Ours: every algorithm in one set, PS256 with an RSA-PSS key (jose reads it from the published n and e).
  const ours = createAuth({
    key: keySet(
      [
        rs256({ privateKey: rsaPrivatePem, kid: 'rs' }),
        ps256({ privateKey: pem('rsa-pss-2048-private'), kid: 'ps' }),
        es256({ privateKey: pem('ec-p256-private'), kid: 'es' }),
        eddsa({ privateKey: pem('ed25519-private'), kid: 'ed' }),
      ],
      { active: 'es' },
    ),
    issuer: ISSUER,
    audience: AUDIENCE,
    now: fixedNow,
  });

  it.each([
    ['rs', 'RS256'],
    ['ps', 'PS256'],
    ['es', 'ES256'],
    ['ed', 'EdDSA'],
  ])("jose's createRemoteJWKSet verifies our %s token (%s) against auth.jwks()", async (kid, alg) => {
    const server = await serveJson(() => ours.jwks());
    const token = await ours.issue({ sub: kid }, { kid });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(server.url)), {
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(NOW_MS),
    });
    expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid });
    expect(payload).toMatchObject({ sub: kid });
  });

  // Theirs: jose's keys, published with jose's exportJWK, verified by jwks({ url }).
  const theirs = [
    ['PS256', 'b-ps', 'rsa-2048-b'],
    ['ES256', 'b-es', 'ec-p256-b'],
    ['EdDSA', 'b-ed', 'ed25519-b'],
    ['Ed25519', 'b-ed', 'ed25519-b'],
  ] as const;

  it.each(theirs)(
    'we verify a jose %s token (kid %s) through the JWK Set jose exported',
    async (alg, kid, name) => {
      const keys = await Promise.all(
        theirs.map(async ([a, k, n]) => ({
          ...(await exportJWK(createPublicKey(pem(`${n}-public`)))),
          kid: k,
          alg: a === 'Ed25519' ? 'EdDSA' : a,
          use: 'sig',
        })),
      );
      const server = await serveJson(() => ({
        keys: keys.filter((k, i) => keys.findIndex((o) => o.kid === k.kid) === i),
      }));
      const token = await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg, kid })
        .setSubject('theirs')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(NOW)
        .setExpirationTime(NOW + 60)
        .sign(createPrivateKey(pem(`${name}-private`)));
      const verifier = createAuth({
        key: jwks({ url: server.url, now: fixedNow }),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: fixedNow,
      });
      await expect(verifier.verify(token)).resolves.toEqual({
        role: 'admin',
        sub: 'theirs',
        iss: ISSUER,
        aud: AUDIENCE,
        iat: NOW,
        exp: NOW + 60,
      });
    },
  );
});

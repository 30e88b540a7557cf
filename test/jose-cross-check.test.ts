// jose is an independent implementation: tokens must pass between the two in both directions.
import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, rs256 } from '../src/index.js';
import { NOW, NOW_MS, SECRET, fixedNow } from './helpers.js';
import { AUDIENCE, ISSUER, rsaPrivatePem, rsaPublicPem } from './hostile-tokens.js';

const secret = createSecretKey(Buffer.from(SECRET));
const setups = [
  ['HS256', hs256(SECRET), secret, secret],
  ['RS256', rs256({ privateKey: rsaPrivatePem }), createPrivateKey(rsaPrivatePem), createPublicKey(rsaPublicPem)],
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
    await expect(auth.verify(token)).resolves.toEqual({ role: 'admin', sub: 'u2', iss: ISSUER, aud: AUDIENCE, iat: NOW, exp: NOW + 60, jti: 'j1' });
  });

  it('we refuse a jose token for another audience, and jose refuses ours once expired', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg }).setAudience('other').setIssuer(ISSUER).setExpirationTime(NOW + 60).sign(joseSigningKey);
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_CLAIM_INVALID', claim: 'aud' });
    const ours = await auth.issue({ sub: 'u1' }, { expiresIn: 1 });
    await expect(jwtVerify(ours, joseVerifyKey, { currentDate: new Date(NOW_MS + 2000) })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

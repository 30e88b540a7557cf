// Each issuer's own rules: audience, algorithms, requiredClaims, maxTokenAge, requireExp, typ and
// clockTolerance apply to that issuer's tokens alone, on a verification and on a cache hit alike.
import { describe, expect, it } from 'vitest';
import { createAuth, es256, hs256, keySet, rs256 } from '../../src/index.js';
import { NOW, NOW_MS, OTHER_SECRET, SECRET, fixedNow, handToken } from '../helpers.js';
import {
  A,
  B,
  OWN,
  PARTNER,
  aKey,
  asA,
  asB,
  bKey,
  invalid,
  ownKey,
  partnerKey,
  pem,
  signer,
  verifier,
} from './support.js';

describe('each issuer’s own rules', () => {
  it('audience: A’s tokens must name A’s audience for this app, the app’s own tokens the app’s', async () => {
    const auth = verifier();
    await expect(auth.verify(await signer(aKey, A, 'app').issue({}))).rejects.toMatchObject(invalid('aud'));
    await expect(auth.verify(await signer(aKey, A, 'other').issue({}))).rejects.toMatchObject(invalid('aud'));
    await expect(auth.verify(await signer(ownKey, OWN, 'api').issue({}))).rejects.toMatchObject(
      invalid('aud'),
    );
  });

  it('audience: false takes any aud from that issuer only', async () => {
    const auth = createAuth({
      key: ownKey,
      issuer: OWN,
      audience: 'app',
      issuers: [{ issuer: PARTNER, key: hs256({ secret: OTHER_SECRET }), audience: false }],
      now: fixedNow,
    });
    await expect(auth.verify(await signer(partnerKey, PARTNER, 'anything').issue({}))).resolves.toMatchObject(
      {
        aud: 'anything',
      },
    );
    await expect(auth.verify(await signer(ownKey, OWN, 'anything').issue({}))).rejects.toMatchObject(
      invalid('aud'),
    );
  });

  it('algorithms narrow what an issuer’s keys verify: an RS256 token of an issuer limited to ES256 is refused', async () => {
    const both = keySet(
      [
        es256({ privateKey: pem('ec-p256-private'), kid: 'ec' }),
        rs256({ privateKey: pem('rsa-2048-private'), kid: 'rsa' }),
      ],
      { active: 'ec' },
    );
    const auth = createAuth({
      key: false,
      issuers: [{ issuer: A, key: both, audience: 'api', algorithms: ['ES256'] }],
      now: fixedNow,
    });
    const issuing = signer(both, A);
    await expect(auth.verify(await issuing.issue({ sub: 'ec' }))).resolves.toMatchObject({ sub: 'ec' });
    await expect(auth.verify(await issuing.issue({ sub: 'rsa' }, { kid: 'rsa' }))).rejects.toMatchObject({
      code: 'ERR_ALG_NOT_ALLOWED',
    });
  });

  it('requiredClaims, maxTokenAge, requireExp and typ apply to their issuer alone', async () => {
    const auth = createAuth({
      key: ownKey,
      issuer: OWN,
      audience: 'app',
      issuers: [
        { issuer: A, key: aKey, audience: 'api', requiredClaims: ['scope'], typ: 'at+jwt' },
        { issuer: B, key: bKey, audience: 'api', maxTokenAge: '10m', requireExp: false },
      ],
      now: fixedNow,
    });
    const atJwt = (claims: object): string =>
      handToken(
        { alg: 'RS256', typ: 'at+jwt', kid: '1' },
        { iss: A, aud: 'api', exp: NOW + 60, ...claims },
        { rsaPem: pem('rsa-2048-private') },
      );
    await expect(auth.verify(atJwt({ scope: 'read' }))).resolves.toMatchObject({ scope: 'read' });
    await expect(auth.verify(atJwt({}))).rejects.toMatchObject(invalid('scope'));
    await expect(auth.verify(await asA.issue({ scope: 'read' }))).rejects.toMatchObject(invalid('typ'));
    // The app's own tokens keep the app's rules: no scope needed, typ JWT.
    await expect(auth.verify(await auth.issue({ sub: 'o' }))).resolves.toMatchObject({ sub: 'o' });
    const noExp = handToken(
      { alg: 'RS256', typ: 'JWT', kid: '1' },
      { iss: B, aud: 'api', iat: NOW - 60 },
      { rsaPem: pem('rsa-2048-b-private') },
    );
    await expect(auth.verify(noExp)).resolves.toMatchObject({ iss: B });
    const old = handToken(
      { alg: 'RS256', typ: 'JWT', kid: '1' },
      { iss: B, aud: 'api', iat: NOW - 3600 },
      { rsaPem: pem('rsa-2048-b-private') },
    );
    await expect(auth.verify(old)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    const ownNoExp = handToken({ alg: 'HS256', kid: 'own' }, { iss: OWN, aud: 'app' }, { hmac: SECRET });
    await expect(auth.verify(ownNoExp)).rejects.toMatchObject(invalid('exp'));
  });

  it('clockTolerance is each issuer’s own, on a verification and on a cache hit alike', async () => {
    let now = NOW_MS;
    const auth = createAuth({
      key: ownKey,
      issuer: OWN,
      audience: 'app',
      clockTolerance: 0,
      issuers: [{ issuer: A, key: aKey, audience: 'api', clockTolerance: 30 }],
      now: () => now,
    });
    const fromA = await asA.issue({}, { expiresIn: 10 });
    const own = await auth.issue({}, { expiresIn: 10 });
    await expect(auth.verify(fromA)).resolves.toMatchObject({ iss: A });
    await expect(auth.verify(own)).resolves.toMatchObject({ iss: OWN });
    now += 20_000;
    // Past exp: within A's tolerance, not within the app's.
    await expect(auth.verify(fromA)).resolves.toMatchObject({ iss: A });
    await expect(auth.verify(own)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
    now += 20_000;
    await expect(auth.verify(fromA)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });

  it('isRevoked and the user mapper see every issuer’s claims, iss included', async () => {
    const seen: unknown[] = [];
    const auth = verifier({
      isRevoked: (claims) => {
        seen.push(claims.iss);
        return claims.iss === B;
      },
      user: (claims) => ({ id: `${claims.iss ?? ''}#${claims.sub ?? ''}` }),
    });
    const found = await auth.authenticate({
      headers: { authorization: `Bearer ${await asA.issue({ sub: '7' })}` },
    });
    expect(found?.user).toEqual({ id: `${A}#7` });
    await expect(auth.verify(await asB.issue({ sub: '7' }))).rejects.toMatchObject({
      code: 'ERR_TOKEN_REVOKED',
    });
    expect(seen).toEqual([A, B]);
  });
});

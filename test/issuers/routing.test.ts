// Several issuers on one Auth: the token's unverified `iss` only picks whose keys and rules apply; the
// signature is then checked with that issuer's keys alone, and `iss` again, exactly. No issuer's key
// ever verifies a token that claims another, whatever kids they share.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, rs256, type KeyProvider } from '../../src/index.js';
import { NOW, OTHER_SECRET, fixedNow, handToken } from '../helpers.js';
import {
  A,
  B,
  OWN,
  PARTNER,
  aKey,
  asA,
  asB,
  asOwn,
  asPartner,
  bKey,
  invalid,
  ownKey,
  partnerKey,
  pem,
  signer,
  verifier,
} from './support.js';

describe('several issuers: each token verified by the keys of the issuer it names', () => {
  const auth = verifier();

  it('takes each issuer’s own tokens, and the app’s own', async () => {
    await expect(auth.verify(await asA.issue({ sub: 'a1' }))).resolves.toMatchObject({ iss: A, sub: 'a1' });
    await expect(auth.verify(await asB.issue({ sub: 'b1' }))).resolves.toMatchObject({ iss: B, sub: 'b1' });
    await expect(auth.verify(await asPartner.issue({ sub: 'p1' }))).resolves.toMatchObject({
      iss: PARTNER,
      sub: 'p1',
    });
    await expect(auth.verify(await auth.issue({ sub: 'o1' }))).resolves.toMatchObject({
      iss: OWN,
      sub: 'o1',
    });
  });

  it('signs only as the app itself', async () => {
    const claims = await auth.verify(await auth.issue({ sub: 'o1' }));
    expect(claims).toMatchObject({ iss: OWN, aud: 'app' });
  });

  it.each([
    ['A’s key, claiming B (the same kid "1")', () => signer(aKey, B).issue({}), 'ERR_SIGNATURE_INVALID'],
    ['B’s key, claiming A (the same kid "1")', () => signer(bKey, A).issue({}), 'ERR_SIGNATURE_INVALID'],
    ['A’s key, claiming the app', () => signer(aKey, OWN, 'app').issue({}), 'ERR_ALG_NOT_ALLOWED'],
    [
      'the partner’s secret, claiming the app',
      () => signer(partnerKey, OWN, 'app').issue({}),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'the partner’s secret named as the app’s kid, claiming the app',
      () => signer(hs256({ secret: OTHER_SECRET, kid: 'own' }), OWN, 'app').issue({}),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'the app’s secret, claiming the partner',
      () => signer(ownKey, PARTNER).issue({}),
      'ERR_SIGNATURE_INVALID',
    ],
    ['the app’s secret, claiming A', () => signer(ownKey, A).issue({}), 'ERR_ALG_NOT_ALLOWED'],
  ])('%s: refused (%s)', async (_, forge, code) => {
    await expect(auth.verify(await forge())).rejects.toMatchObject({ code, status: 401 });
  });

  it.each([
    ['no iss at all', undefined],
    ['an iss no issuer has', 'https://evil.example'],
    ['A’s iss with a trailing slash', `${A}/`],
    ['A’s iss in another case', A.toUpperCase()],
    ['__proto__', '__proto__'],
    ['toString', 'toString'],
    ['constructor', 'constructor'],
  ])('%s: ERR_CLAIM_INVALID (iss), before any key is asked', async (_, iss) => {
    let asked = 0;
    const counted: KeyProvider = {
      algorithms: ['RS256'],
      verifyKey: (header) => {
        asked++;
        return aKey.verifyKey(header);
      },
    };
    const strict = createAuth({
      key: false,
      issuers: [{ issuer: A, key: counted, audience: 'api' }],
      now: fixedNow,
    });
    await expect(strict.verify(await signer(aKey, iss).issue({}))).rejects.toMatchObject(invalid('iss'));
    expect(asked).toBe(0);
  });

  it.each([
    ['an array holding A', [A]],
    ['a number', 42],
    ['null', null],
    ['an object', { iss: A }],
    ['a string of 5000 characters', `${A}/${'x'.repeat(5000)}`],
  ])('iss as %s: ERR_CLAIM_INVALID (iss), never echoed', async (_, iss) => {
    const token = handToken(
      { alg: 'RS256', typ: 'JWT', kid: '1' },
      { iss, aud: 'api', exp: NOW + 60 },
      { rsaPem: pem('rsa-2048-private') },
    );
    const err = await auth.verify(token).catch((e: unknown) => e as Error);
    expect(err).toMatchObject(invalid('iss'));
    expect((err as Error).message).toBe('token claim invalid');
  });

  it('a malformed payload is ERR_TOKEN_MALFORMED, whoever it claims', async () => {
    const good = await asA.issue({});
    const [header, , signature] = good.split('.');
    for (const payload of ['bm90IGpzb24', 'W10', '']) {
      await expect(auth.verify(`${header}.${payload}.${signature}`)).rejects.toMatchObject({
        code: 'ERR_TOKEN_MALFORMED',
      });
    }
  });
});

describe('without keys of its own', () => {
  const auth = createAuth({
    key: false,
    issuers: [
      { issuer: A, key: rs256({ publicKey: pem('rsa-2048-public'), kid: '1' }), audience: 'api' },
      { issuer: B, key: rs256({ publicKey: pem('rsa-2048-b-public'), kid: '1' }), audience: 'api' },
    ],
    now: fixedNow,
  });

  it('verifies the issuers’ tokens, refuses any other iss, and signs nothing', async () => {
    await expect(auth.verify(await asA.issue({ sub: 'a' }))).resolves.toMatchObject({ iss: A });
    await expect(auth.verify(await asOwn.issue({}))).rejects.toMatchObject(invalid('iss'));
    await expect(auth.issue({ sub: 'x' })).rejects.toThrow(TypeError);
    expect(auth.jwks()).toEqual({ keys: [] });
  });
});

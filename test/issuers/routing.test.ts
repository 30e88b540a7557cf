// Several issuers on one Auth: the token's unverified `iss` only picks whose keys and rules apply; the
// signature is then checked with that issuer's keys alone, and `iss` again, exactly. No issuer's key
// ever verifies a token that claims another issuer, whatever kids they share.
import { describe, expect, it } from 'vitest';
import {
  createAuth,
  es256,
  hs256,
  keySet,
  rs256,
  type Auth,
  type AuthOptions,
  type KeyProvider,
} from '../../src/index.js';
import { NOW, NOW_MS, OTHER_SECRET, SECRET, fixedNow, fixture, handToken } from '../helpers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const OWN = 'https://app.example';
const A = 'https://a.example';
const B = 'https://b.example';
const PARTNER = 'partner';
const invalid = (claim: string): object => ({ code: 'ERR_CLAIM_INVALID', claim, status: 401 });

/** An issuer's own signing side: `issuer` and `key` as it signs, here to mint its tokens (and forgeries). */
const signer = (key: KeyProvider, issuer: string | undefined, audience = 'api'): Auth =>
  createAuth({ key, ...(issuer === undefined ? {} : { issuer }), audience, now: fixedNow, store: false });

// A and B share the kid "1", each with its own RSA key; the partner signs with a secret of its own.
const aKey = rs256({ privateKey: pem('rsa-2048-private'), kid: '1' });
const bKey = rs256({ privateKey: pem('rsa-2048-b-private'), kid: '1' });
const partnerKey = hs256({ secret: OTHER_SECRET });
const ownKey = hs256({ secret: SECRET, kid: 'own' });

const asA = signer(aKey, A);
const asB = signer(bKey, B);
const asPartner = signer(partnerKey, PARTNER);
const asOwn = signer(ownKey, OWN, 'app');

function verifier(extra: Partial<AuthOptions> = {}): Auth {
  return createAuth({
    key: ownKey,
    issuer: OWN,
    audience: 'app',
    issuers: [
      { issuer: A, key: rs256({ publicKey: pem('rsa-2048-public'), kid: '1' }), audience: 'api' },
      { issuer: B, key: rs256({ publicKey: pem('rsa-2048-b-public'), kid: '1' }), audience: 'api' },
      { issuer: PARTNER, key: hs256({ secret: OTHER_SECRET }), audience: 'api' },
    ],
    now: fixedNow,
    ...extra,
  });
}

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

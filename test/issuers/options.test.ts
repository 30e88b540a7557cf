// `issuers` is checked once, at createAuth: every mistake that would let one issuer's key stand for
// another's, or leave an issuer's audience unchecked, is a TypeError that names the entry.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, jwks, keySet, oidc, rs256 } from '../../src/index.js';
import { OTHER_SECRET, SECRET, caught, fixture } from '../helpers.js';

const OWN = 'https://app.example';
const A = 'https://a.example';
const aKey = rs256({ publicKey: fixture('test-only-rsa-2048-public.pem') });
const remote = jwks({ url: 'https://a.example/.well-known/jwks.json' });

// Rows without a key of the app's own say key: false, as an app that takes other issuers' tokens alone does.
const fails = (options: object): Error => caught(() => createAuth({ key: false, ...options }));

describe('issuers: what createAuth refuses', () => {
  it.each([
    [
      'issuers that is no array',
      { issuers: { issuer: A, key: aKey, audience: 'api' } },
      /"issuers" must be a non-empty array/,
    ],
    ['an empty list', { issuers: [] }, /"issuers" must be a non-empty array/],
    [
      'an entry that is no object',
      { issuers: ['https://a.example'] },
      /"issuers\[0\]" must be an object like \{ issuer, key, audience \}/,
    ],
    [
      'an entry without key',
      { issuers: [{ issuer: A, audience: 'api' }] },
      /"issuers\[0\]\.key" must be a key provider/,
    ],
    [
      'an entry whose key is a secret string',
      { issuers: [{ issuer: A, key: SECRET, audience: 'api' }] },
      /"issuers\[0\]\.key" must be a key provider/,
    ],
    [
      'an entry without issuer, its key knowing none',
      { issuers: [{ key: aKey, audience: 'api' }] },
      /"issuers\[0\]\.issuer" must be the issuer/,
    ],
    [
      'an entry without audience',
      { issuers: [{ issuer: A, key: aKey }] },
      /"issuers\[0\]\.audience" must be the aud/,
    ],
    [
      'an entry with an empty audience list',
      { issuers: [{ issuer: A, key: aKey, audience: [] }] },
      /"issuers\[0\]\.audience" must be the aud/,
    ],
    [
      'an unknown entry option (express-jwt’s secret)',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', secret: SECRET }] },
      /unknown issuers\[0\] option "secret"/,
    ],
    [
      'an entry option of the app alone (store)',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', store: false }] },
      /unknown issuers\[0\] option "store"/,
    ],
    [
      'an issuer listed twice',
      {
        issuers: [
          { issuer: A, key: aKey, audience: 'api' },
          { issuer: A, key: remote, audience: 'api' },
        ],
      },
      /"issuers\[1\]\.issuer" .*listed twice/,
    ],
    [
      'an entry naming the app’s own issuer',
      { key: hs256(SECRET), issuer: OWN, issuers: [{ issuer: OWN, key: aKey, audience: 'api' }] },
      /"issuers\[0\]\.issuer" .*the app's own/,
    ],
    [
      'keys of the app’s own without its issuer',
      { key: hs256(SECRET), issuers: [{ issuer: A, key: aKey, audience: 'api' }] },
      /"issuer" must be set beside issuers/,
    ],
    [
      'algorithms its keys do not verify',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', algorithms: ['ES256'] }] },
      /"issuers\[0\]\.algorithms" must be among the algorithms its key verifies: RS256/,
    ],
    [
      'algorithms that are no list',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', algorithms: 'RS256' }] },
      /"issuers\[0\]\.algorithms" must be/,
    ],
    [
      'a negative clockTolerance',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', clockTolerance: -1 }] },
      /"issuers\[0\]\.clockTolerance" must be a number of seconds/,
    ],
    [
      'a typ of refresh tokens',
      { issuers: [{ issuer: A, key: aKey, audience: 'api', typ: 'refresh+jwt' }] },
      /"issuers\[0\]\.typ"/,
    ],
    [
      'key: false without issuers',
      {},
      /"key" must be a key provider; false \(no keys of its own\) needs issuers/,
    ],
    [
      'an issuer of the app’s own beside key: false',
      { issuer: OWN, issuers: [{ issuer: A, key: aKey, audience: 'api' }] },
      /"issuer" must be left out with key: false/,
    ],
  ])('%s', (_, options, message) => {
    const err = fails(options);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(message);
  });

  it('an oidc() entry takes its issuer from the provider; another issuer beside it is refused', () => {
    const idp = oidc({ issuer: 'https://id.example' });
    expect(() => createAuth({ key: false, issuers: [{ key: idp, audience: 'api' }] })).not.toThrow();
    expect(() =>
      createAuth({ key: false, issuers: [{ issuer: 'https://id.example', key: idp, audience: 'api' }] }),
    ).not.toThrow();
    expect(fails({ issuers: [{ issuer: A, key: idp, audience: 'api' }] }).message).toMatch(
      /"issuers\[0\]\.issuer" must be the key provider's issuer \(https:\/\/id\.example\), or left out/,
    );
  });

  it('issuer as a list (express-jwt’s issuer: [a, b]) says where other issuers go: each with its own keys', () => {
    const err = fails({ key: hs256(SECRET), issuer: [A, OWN] });
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(
      /"issuer" must be one string, the app's own: list other issuers in issuers: \[\{ issuer, key, audience \}\], each with its own keys/,
    );
  });

  it('without keys of its own, sessions are a TypeError at createAuth', () => {
    const issuers = [{ issuer: A, key: aKey, audience: 'api' }];
    expect(fails({ issuers, refresh: { expiresIn: '30d' } }).message).toMatch(
      /"refresh" must be used with a key provider that can sign/,
    );
    expect(fails({ issuers, renew: { maxAge: '12h' } }).message).toMatch(
      /"renew" must be used with a key provider that can sign/,
    );
  });

  it('the entries are copied: changing the list afterwards changes nothing', async () => {
    const issuers = [{ issuer: A, key: hs256(OTHER_SECRET), audience: 'api' }];
    const auth = createAuth({ key: false, issuers });
    issuers[0]!.issuer = 'https://evil.example';
    const signer = createAuth({ key: hs256(OTHER_SECRET), issuer: 'https://evil.example', audience: 'api' });
    await expect(auth.verify(await signer.issue({}))).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'iss',
    });
  });
});

describe('keySet and remote sets', () => {
  it.each([
    ['jwks()', remote],
    ['oidc()', oidc({ issuer: 'https://id.example' })],
  ])('keySet refuses a %s member and names where another issuer’s keys go', (_, member) => {
    const err = caught(() => keySet([hs256({ secret: SECRET, kid: 'a' }), member], { active: 'a' }));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(
      /keySet members must hold their keys .*: a jwks\(\) or oidc\(\) set is another issuer's: list it in createAuth's issuers: \[\{ issuer, key, audience \}\]/,
    );
  });
});

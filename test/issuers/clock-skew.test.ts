// Clocks that are not the app's: an IdP a second ahead writes an iat and nbf a second in the future, and
// its fresh tokens must not be refused for that second. Another issuer's tokens get 60 s by default (its
// clock is not the app's); the app's own, signed by its own instances, 1 s. Revocations outlive both.
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, memoryStore, oidc, rs256, type Auth } from '../../src/index.js';
import { NOW, NOW_MS, SECRET, fixture, handToken } from '../helpers.js';
import { serve } from '../support/servers.js';

const pem = (name: string): string => fixture(`test-only-${name}.pem`);
const IDP = 'https://id.example';

/** A token of the IdP, as one whose clock is `ahead` seconds ahead of the app's writes it: iat, nbf, then exp. */
const idpToken = (ahead: number, lifetime = 3600, iss = IDP): string => {
  const iat = NOW + ahead;
  return handToken(
    { alg: 'RS256', typ: 'JWT', kid: 'k1' },
    { iss, aud: 'api', sub: 'u1', iat, nbf: iat, exp: iat + lifetime },
    { rsaPem: pem('rsa-2048-private') },
  );
};

const verifyOnly = (extra: object = {}): Auth =>
  createAuth({
    key: rs256({ publicKey: pem('rsa-2048-public'), kid: 'k1' }),
    issuer: IDP,
    audience: 'api',
    now: () => NOW_MS,
    ...extra,
  });

const asEntry = (extra: object = {}): Auth =>
  createAuth({
    key: hs256(SECRET),
    issuer: 'https://app.example',
    issuers: [
      {
        issuer: IDP,
        key: rs256({ publicKey: pem('rsa-2048-public'), kid: 'k1' }),
        audience: 'api',
        ...extra,
      },
    ],
    now: () => NOW_MS,
  });

describe.each([
  ['a key that only verifies (another issuer’s)', verifyOnly],
  ['an entry of issuers', asEntry],
])('%s: 60 s of skew by default', (_, make) => {
  const auth = make();

  it.each([1, 30, 60])('an IdP %i s ahead: its fresh token (iat = nbf = its now) is taken', async (ahead) => {
    await expect(auth.verify(idpToken(ahead))).resolves.toMatchObject({ sub: 'u1', iat: NOW + ahead });
  });

  it('an IdP 61 s ahead: its fresh token is not yet valid', async () => {
    await expect(auth.verify(idpToken(61))).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_YET_VALID' });
  });

  it('an IdP 59 s behind: a token that just expired by its clock is still taken; 61 s behind, expired', async () => {
    await expect(auth.verify(idpToken(-3659, 3600))).resolves.toMatchObject({ sub: 'u1' });
    await expect(auth.verify(idpToken(-3661, 3600))).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });

  it('clockTolerance set to 0 is as strict as before: an IdP 1 s ahead is refused', async () => {
    const strict = make({ clockTolerance: 0 });
    await expect(strict.verify(idpToken(1))).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_YET_VALID' });
  });
});

describe('an OpenID Provider whose clock is a second ahead', { timeout: 5_000 }, () => {
  it('oidc(): its fresh token is taken at once', async () => {
    let issuer = '';
    const keys = rs256({ privateKey: pem('rsa-2048-private'), kid: 'k1' }).publicJwks?.();
    const server = await serve((req, res) => {
      const body =
        req.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/keys` } : { keys };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    issuer = server.origin;
    const auth = createAuth({ key: oidc({ issuer }), audience: 'api', now: () => NOW_MS });
    await expect(auth.verify(idpToken(1, 3600, issuer))).resolves.toMatchObject({ iss: issuer });
  });
});

describe('the app’s own tokens: 1 s of skew by default', () => {
  /** An instance of the app whose clock is `ahead` seconds ahead of true time (NOW). */
  const instance = (ahead: number, store = memoryStore({ now: () => NOW_MS })): Auth =>
    createAuth({ key: hs256(SECRET), store, now: () => NOW_MS + ahead * 1000 });

  it('a token just signed is taken by an instance 0.4 s behind the signer, though its whole-second iat is ahead of that clock', async () => {
    const token = await instance(0.9).issue({ sub: 'u' });
    await expect(instance(0.5).verify(token)).resolves.toMatchObject({ sub: 'u', iat: NOW });
    await expect(instance(-0.4).verify(token)).resolves.toMatchObject({ sub: 'u', iat: NOW });
  });

  it('an instance 2 s ahead: its tokens are refused by one on time (iat in the future)', async () => {
    await expect(instance(0).verify(await instance(2).issue({ sub: 'u' }))).rejects.toMatchObject({
      code: 'ERR_CLAIM_INVALID',
      claim: 'iat',
    });
  });

  it('an expired token is taken for 1 s at most: 0.5 s past exp yes, 1 s past no', async () => {
    const token = await instance(0).issue({ sub: 'u' }, { expiresIn: 60 });
    await expect(instance(60.5).verify(token)).resolves.toMatchObject({ sub: 'u' });
    await expect(instance(61).verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXPIRED' });
  });

  it('a revocation lasts as long as any instance may still take the token: revoked, never merely expired', async () => {
    let now = NOW_MS;
    const store = memoryStore({ now: () => now });
    const auth = createAuth({ key: hs256(SECRET), store, now: () => now });
    const token = await auth.issue({ sub: 'u' }, { expiresIn: 60 });
    await auth.revoke(await auth.verify(token));
    now += 60_500;
    // Still within the tolerance past exp: the entry must still be there.
    await expect(auth.verify(token)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' });
  });
});

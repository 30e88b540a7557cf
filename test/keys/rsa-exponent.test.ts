// An RSA public key with exponent 1 has a real modulus and looks right, but with e = 1 a "signature"
// is the padded message itself: anyone forges RS256 and PS256 tokens for it. RFC 8017 §3.1 wants e
// odd and 3 <= e < n; jwt-gate also takes no e of 2^256 or more (FIPS 186-5's bound). Every way a
// key comes in is tried with a forged token: a local key is refused at construction, a key in a
// fetched JWK Set is left out (the rest of the set still works) and reported as a key-skipped event.
import { constants, createPrivateKey, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAuth,
  isAuthError,
  jwks,
  keySet,
  oidc,
  ps256,
  rs256,
  type AuthEvent,
  type KeyProvider,
} from '../../src/index.js';
import { NOW, caught, fixedNow, fixture } from '../helpers.js';
import {
  forgeForExponentOne,
  rsaJwkWithExponent,
  spkiWithExponent,
  uintBytes,
} from '../support/rsa-forgery.js';
import { serve, serveJson } from '../support/servers.js';

const RSA_PEM = fixture('test-only-rsa-2048-public.pem');
const PSS_PEM = fixture('test-only-rsa-pss-2048-public.pem');
const privateRsaPem = fixture('test-only-rsa-2048-private.pem');

/** The fixture's real 2048-bit modulus, with exponent 1: what an attacker hands over, or what a bug publishes. */
const weakJwk = rsaJwkWithExponent(RSA_PEM, 1n);
const weakRsa: KeyObject = createPublicKey({ key: weakJwk, format: 'jwk' });
const weakPss: KeyObject = spkiWithExponent(createPublicKey(PSS_PEM), 1n);
// A private key with e = d = 1 (so dp = dq = 1) over the fixture's primes: it "signs" by padding.
const weakPrivate: KeyObject = createPrivateKey({
  key: { ...createPrivateKey(privateRsaPem).export({ format: 'jwk' }), e: 'AQ', d: 'AQ', dp: 'AQ', dq: 'AQ' },
  format: 'jwk',
});
const pem = (key: KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8' = 'spki'): string =>
  key.export({ format: 'pem', type }) as string;

const claims = { sub: 'admin', role: 'admin', iat: NOW, exp: NOW + 600 };

/** What became of a token forged for exponent 1 at `key`: refused at construction, refused, or accepted. */
async function forgeAt(make: () => KeyProvider, alg: 'RS256' | 'PS256', kid?: string): Promise<string> {
  let key: KeyProvider;
  try {
    key = make();
  } catch (err) {
    return `refused at construction: ${(err as Error).name}`;
  }
  const auth = createAuth({ key, now: fixedNow });
  try {
    const verified = await auth.verify(forgeForExponentOne(alg, claims, kid));
    return `forged token accepted, sub ${String(verified.sub)}`;
  } catch (err) {
    if (!isAuthError(err)) throw err;
    return `forged token refused: ${err.code}`;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function keyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-exponent-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('the forgery is real: node:crypto alone accepts it under an exponent-1 key', () => {
  const input = (token: string): Buffer => Buffer.from(token.split('.').slice(0, 2).join('.'));
  const signature = (token: string): Buffer => Buffer.from(token.split('.')[2] as string, 'base64url');
  const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

  it.each([
    ['RS256 under the RSA key', 'RS256', weakRsa],
    ['PS256 under the RSA key', 'PS256', weakRsa],
    ['PS256 under the RSA-PSS key', 'PS256', weakPss],
  ] as const)('%s', (_name, alg, key) => {
    const token = forgeForExponentOne(alg, claims);
    const options = alg === 'PS256' ? { key, ...pss } : key;
    expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 1n });
    expect(verify('sha256', input(token), options, signature(token))).toBe(true);
    // And not under the real key (e = 65537) of the same modulus.
    const real = createPublicKey(alg === 'PS256' && key === weakPss ? PSS_PEM : RSA_PEM);
    expect(
      verify('sha256', input(token), alg === 'PS256' ? { key: real, ...pss } : real, signature(token)),
    ).toBe(false);
  });
});

describe('a local exponent-1 key is refused at construction, whichever way it comes in', () => {
  const local: ReadonlyArray<readonly [string, () => KeyProvider, 'RS256' | 'PS256']> = [
    ['rs256, a JWK', () => rs256({ publicKey: weakJwk }), 'RS256'],
    ['rs256, SPKI PEM', () => rs256({ publicKey: pem(weakRsa) }), 'RS256'],
    ['rs256, PKCS#1 PEM', () => rs256({ publicKey: pem(weakRsa, 'pkcs1') }), 'RS256'],
    [
      'rs256, DER bytes',
      () => rs256({ publicKey: weakRsa.export({ format: 'der', type: 'spki' }) }),
      'RS256',
    ],
    ['rs256, a KeyObject', () => rs256({ publicKey: weakRsa }), 'RS256'],
    ['rs256, a private key (e = d = 1)', () => rs256({ privateKey: weakPrivate }), 'RS256'],
    ['rs256, a private key as PKCS#8 PEM', () => rs256({ privateKey: pem(weakPrivate, 'pkcs8') }), 'RS256'],
    [
      'rs256.fromFiles',
      () =>
        rs256.fromFiles({
          dir: keyDir({ 'private.pem': pem(weakPrivate, 'pkcs8'), 'public.pem': pem(weakRsa) }),
        }),
      'RS256',
    ],
    ['ps256, an RSA JWK', () => ps256({ publicKey: weakJwk }), 'PS256'],
    ['ps256, an RSA-PSS SPKI PEM', () => ps256({ publicKey: pem(weakPss) }), 'PS256'],
    ['ps256, an RSA-PSS KeyObject', () => ps256({ publicKey: weakPss }), 'PS256'],
    ['keySet of rs256', () => keySet([rs256({ publicKey: weakJwk, kid: 'w' })], { active: 'w' }), 'RS256'],
    [
      'keySet.fromFiles, an RSA public key',
      () => keySet.fromFiles({ dir: keyDir({ 'w.public.pem': pem(weakRsa) }) }),
      'RS256',
    ],
    [
      'keySet.fromFiles, an RSA-PSS public key',
      () => keySet.fromFiles({ dir: keyDir({ 'w.public.pem': pem(weakPss) }) }),
      'PS256',
    ],
  ];

  it.each(local)('%s', async (_name, make, alg) => {
    expect(await forgeAt(make, alg)).toBe('refused at construction: RangeError');
    expect(caught(make).message).toMatch(/exponent/);
  });
});

describe('exponents: odd, at least 3, below 2^256', () => {
  const modulus = RSA_PEM;
  const refused: ReadonlyArray<readonly [string, bigint]> = [
    ['0', 0n],
    ['1', 1n],
    ['2', 2n],
    ['4', 4n],
    ['65536 (even)', 65536n],
    ['2^256 - 2 (even)', 2n ** 256n - 2n],
    ['2^256 + 1 (odd, too large)', 2n ** 256n + 1n],
  ];
  it.each(refused)('e = %s is a RangeError for rs256 and ps256', (_name, e) => {
    for (const make of [rs256, ps256]) {
      const err = caught(() => make({ publicKey: rsaJwkWithExponent(modulus, e) }));
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toBe(
        'jwt-gate: RSA public exponents must be odd, at least 3 and below 2^256 (RFC 8017 §3.1)',
      );
    }
  });

  it.each([
    ['3', 3n],
    ['65537', 65537n],
    ['2^256 - 1 (the largest)', 2n ** 256n - 1n],
  ] as const)('e = %s is taken, and published as it was given', (_name, e) => {
    for (const make of [rs256, ps256]) {
      const jwk = make({ publicKey: rsaJwkWithExponent(modulus, e) }).publicJwks?.()[0];
      expect(jwk).toMatchObject({ kty: 'RSA', e: uintBytes(e).toString('base64url') });
    }
  });
});

describe(
  'a fetched exponent-1 key is left out, reported, and the rest of the set still works',
  { timeout: 5_000 },
  () => {
    const good = {
      ...createPublicKey(RSA_PEM).export({ format: 'jwk' }),
      kid: 'good',
      alg: 'RS256',
      use: 'sig',
    };
    const goodSigner = createAuth({ key: rs256({ privateKey: privateRsaPem, kid: 'good' }), now: fixedNow });

    function heard(): { events: AuthEvent[]; onEvent: (event: AuthEvent) => void } {
      const events: AuthEvent[] = [];
      return { events, onEvent: (event) => void events.push(event) };
    }

    it.each([
      ['RS256', { ...weakJwk, kid: 'weak', alg: 'RS256', use: 'sig' }],
      ['RS256, a JWK without alg', { ...weakJwk, kid: 'weak' }],
      ['PS256', { ...weakJwk, kid: 'weak', alg: 'PS256', use: 'sig' }],
    ] as const)('jwks, %s', async (name, weak) => {
      const server = await serveJson(() => ({ keys: [weak, good] }));
      const { events, onEvent } = heard();
      const key = jwks({ url: server.url });
      const alg = name.startsWith('PS256') ? 'PS256' : 'RS256';
      const auth = createAuth({ key, now: fixedNow, onEvent });
      await expect(auth.verify(forgeForExponentOne(alg, claims, 'weak'))).rejects.toMatchObject({
        code: 'ERR_KEY_NOT_FOUND',
      });
      await expect(auth.verify(await goodSigner.issue({ sub: 'u1' }))).resolves.toMatchObject({ sub: 'u1' });
      expect(events.filter((e) => e.type === 'key-skipped')).toEqual([
        { type: 'key-skipped', kid: 'weak', reason: 'weak' },
      ]);
    });

    it('oidc: the key set its discovery document names', async () => {
      const server = await serve((req, res) => {
        const body =
          req.url === '/.well-known/openid-configuration'
            ? { issuer: `http://127.0.0.1:${port()}`, jwks_uri: `http://127.0.0.1:${port()}/keys` }
            : { keys: [{ ...weakJwk, kid: 'weak', alg: 'RS256', use: 'sig' }, good] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      const port = (): string => new URL(server.origin).port;
      const { events, onEvent } = heard();
      const auth = createAuth({ key: oidc({ issuer: server.origin }), now: fixedNow, onEvent });
      const forged = forgeForExponentOne('RS256', { ...claims, iss: server.origin }, 'weak');
      await expect(auth.verify(forged)).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
      const issuer = createAuth({
        key: rs256({ privateKey: privateRsaPem, kid: 'good' }),
        issuer: server.origin,
        now: fixedNow,
      });
      await expect(auth.verify(await issuer.issue({ sub: 'u1' }))).resolves.toMatchObject({ sub: 'u1' });
      expect(events.filter((e) => e.type === 'key-skipped')).toEqual([
        { type: 'key-skipped', kid: 'weak', reason: 'weak' },
      ]);
    });

    it('even exponents are left out, e = 3 is kept: only the bad keys go', async () => {
      const keys = [
        { ...rsaJwkWithExponent(RSA_PEM, 2n), kid: 'two' },
        { ...rsaJwkWithExponent(RSA_PEM, 65536n), kid: 'even' },
        { ...rsaJwkWithExponent(RSA_PEM, 3n), kid: 'three' },
        good,
      ];
      const server = await serveJson(() => ({ keys }));
      const { events, onEvent } = heard();
      const auth = createAuth({ key: jwks({ url: server.url }), now: fixedNow, onEvent });
      const codeFor = async (kid: string): Promise<string> => {
        const err = await auth.verify(forgeForExponentOne('RS256', claims, kid)).catch((e: unknown) => e);
        return isAuthError(err) ? err.code : 'accepted';
      };
      expect(await codeFor('two')).toBe('ERR_KEY_NOT_FOUND');
      expect(await codeFor('even')).toBe('ERR_KEY_NOT_FOUND');
      // Held, so the forged signature meets the key and fails there.
      expect(await codeFor('three')).toBe('ERR_SIGNATURE_INVALID');
      await expect(auth.verify(await goodSigner.issue({ sub: 'u1' }))).resolves.toMatchObject({ sub: 'u1' });
      expect(events.filter((e) => e.type === 'key-skipped')).toEqual([
        { type: 'key-skipped', kid: 'two', reason: 'weak' },
        { type: 'key-skipped', kid: 'even', reason: 'weak' },
      ]);
      // Reported once per fetch, not once per token.
      expect(server.hits).toHaveLength(1);
    });
  },
);

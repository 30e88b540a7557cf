import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAuth, hs256, rs256 } from '../../src/index.js';
import { verifyBytes } from '../../src/jws/jwa.js';
import { decodeSegment, parseCompact, verifySignature } from '../../src/jws/jws.js';
import { fixture } from '../helpers.js';

interface RfcExample {
  jwk: Record<string, string>;
  headerB64: string;
  payloadB64: string;
  signatureB64: string;
  token: string;
}
const rfc7515 = JSON.parse(fixture('rfc7515.json')) as {
  a1: RfcExample;
  a2: RfcExample;
  payloadClaims: object;
};
const vectors = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/vectors/${name}`, import.meta.url), 'utf8'));

// RFC 7515's examples expire at 1300819380 (2011-03-22T18:43:00Z).
const rfcNow = (): number => (1300819380 - 60) * 1000;
const a1Secret = Buffer.from(rfc7515.a1.jwk.k!, 'base64url');
const a2Public = createPublicKey({
  key: { kty: 'RSA', n: rfc7515.a2.jwk.n!, e: rfc7515.a2.jwk.e! },
  format: 'jwk',
});

/** Every single-character change of a token, at the first, middle and last position of each segment. */
function oneByteChanges(token: string): string[] {
  const positions = new Set<number>();
  let start = 0;
  for (const segment of token.split('.')) {
    positions
      .add(start)
      .add(start + (segment.length >> 1))
      .add(start + segment.length - 1);
    start += segment.length + 1;
  }
  return [...positions].map((i) => token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1));
}

describe('RFC 7515 appendix A', () => {
  const cases = [
    ['A.1 HS256', rfc7515.a1, () => createAuth({ key: hs256(a1Secret), now: rfcNow })],
    ['A.2 RS256', rfc7515.a2, () => createAuth({ key: rs256({ publicKey: a2Public }), now: rfcNow })],
  ] as const;

  it.each(cases)('%s verifies with the clock pinned before exp', async (_name, example, makeAuth) => {
    expect(example.token).toBe(`${example.headerB64}.${example.payloadB64}.${example.signatureB64}`);
    await expect(makeAuth().verify(example.token)).resolves.toEqual(rfc7515.payloadClaims);
  });

  it.each(cases)('%s: every one-character change is refused', async (_name, example, makeAuth) => {
    const auth = makeAuth();
    const changed = oneByteChanges(example.token);
    expect(changed.length).toBeGreaterThanOrEqual(7);
    for (const token of changed) {
      const err = await auth.verify(token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, token).toMatchObject({
        code: expect.stringMatching(/^ERR_(SIGNATURE_INVALID|TOKEN_MALFORMED|ALG_NOT_ALLOWED)$/),
      });
    }
  });

  it('A.1 is refused once expired, with the real clock', async () => {
    await expect(createAuth({ key: hs256(a1Secret) }).verify(rfc7515.a1.token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_EXPIRED',
    });
  });

  it('A.2 verifies at the signature layer with the private JWK reduced to its public half', () => {
    const jws = parseCompact(rfc7515.a2.token, 8192);
    const fromPrivate = createPublicKey(createPrivateKey({ key: rfc7515.a2.jwk, format: 'jwk' }));
    expect(verifySignature('RS256', fromPrivate, jws)).toBe(true);
    const a1Signature = { ...jws, signatureSegment: rfc7515.a1.signatureB64 };
    expect(verifySignature('RS256', fromPrivate, a1Signature)).toBe(false);
  });
});

describe('strict base64url', () => {
  it.each([
    ['canonical', 'AQID', [1, 2, 3]],
    ['two bytes, canonical trailing bits', 'AQI', [1, 2]],
    ['one byte', 'AQ', [1]],
  ])('%s decodes', (_name, segment, bytes) => {
    expect([...decodeSegment(segment)]).toEqual(bytes);
  });

  it.each([
    ['non-canonical trailing bits (AR decodes like AQ)', 'AR'],
    ['non-canonical trailing bits on two bytes', 'AQJ'],
    ['padding', 'AQ=='],
    ['standard base64 plus', 'A+Q'],
    ['standard base64 slash', 'A/Q'],
    ['a dangling sixth bit', 'AQIDB'],
    ['white space', 'AQ ID'],
  ])('%s is refused', (_name, segment) => {
    expect(() => decodeSegment(segment)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_MALFORMED' }));
  });
});

interface WycheproofMac {
  testGroups: {
    tagSize: number;
    tests: { tcId: number; key: string; msg: string; tag: string; result: string }[];
  }[];
}
interface WycheproofRsa {
  testGroups: { publicKeyPem: string; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}

describe('Wycheproof HMAC-SHA256', () => {
  const suite = vectors('wycheproof/hmac_sha256_test.json') as WycheproofMac;

  it('agrees with every verdict on full-length tags', () => {
    let checked = 0;
    for (const group of suite.testGroups.filter((g) => g.tagSize === 256)) {
      for (const t of group.tests) {
        const ok = verifyBytes(
          'HS256',
          createSecretKey(Buffer.from(t.key, 'hex')),
          Buffer.from(t.msg, 'hex'),
          Buffer.from(t.tag, 'hex'),
        );
        expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('refuses every truncated tag, even those valid for a truncated MAC', () => {
    let refused = 0;
    for (const group of suite.testGroups.filter((g) => g.tagSize < 256)) {
      for (const t of group.tests) {
        const key = createSecretKey(Buffer.from(t.key, 'hex'));
        expect(
          verifyBytes('HS256', key, Buffer.from(t.msg, 'hex'), Buffer.from(t.tag, 'hex')),
          `tcId ${t.tcId}`,
        ).toBe(false);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});

describe.each([2048, 3072, 4096])('Wycheproof RSA PKCS#1 v1.5 SHA-256, %i bits', (bits) => {
  const suite = vectors(`wycheproof/rsa_signature_${bits}_sha256_test.json`) as WycheproofRsa;

  it('agrees with every valid and invalid verdict', () => {
    const counts = { valid: 0, invalid: 0 };
    for (const group of suite.testGroups) {
      const key = createPublicKey(group.publicKeyPem);
      for (const t of group.tests) {
        if (t.result === 'acceptable') continue;
        const ok = verifyBytes('RS256', key, Buffer.from(t.msg, 'hex'), Buffer.from(t.sig, 'hex'));
        expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid');
        counts[t.result as 'valid' | 'invalid']++;
      }
    }
    expect(counts.valid).toBeGreaterThan(0);
    expect(counts.invalid).toBeGreaterThan(10);
  });
});

describe('RFC 7520 cookbook: a valid JWS over prose is not a JWT', () => {
  interface Cookbook {
    token: string;
    key_jwk: Record<string, string>;
  }
  it('4.4 HS256: the signature verifies, the token is refused as malformed claims', async () => {
    const v = vectors('rfc7520-4.4.json') as Cookbook;
    const secret = Buffer.from(v.key_jwk.k!, 'base64url');
    expect(verifySignature('HS256', createSecretKey(secret), parseCompact(v.token, 8192))).toBe(true);
    await expect(
      createAuth({ key: hs256({ secret, kid: v.key_jwk.kid! }) }).verify(v.token),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
  });

  it('4.1 RS256: the signature verifies, the token is refused as malformed claims', async () => {
    const v = vectors('rfc7520-4.1.json') as Cookbook;
    const publicKey = createPublicKey({
      key: { kty: 'RSA', n: v.key_jwk.n!, e: v.key_jwk.e! },
      format: 'jwk',
    });
    expect(verifySignature('RS256', publicKey, parseCompact(v.token, 8192))).toBe(true);
    await expect(
      createAuth({ key: rs256({ publicKey, kid: v.key_jwk.kid! }) }).verify(v.token),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED' });
  });
});

describe('verifyBytes refuses a key that does not fit the algorithm', () => {
  it.each([
    ['an RSA public key for HS256', 'HS256', a2Public],
    ['a secret for RS256', 'RS256', createSecretKey(a1Secret)],
  ] as const)('%s', (_name, alg, key) => {
    expect(() => verifyBytes(alg, key, 'a.b', Buffer.alloc(32))).toThrow(TypeError);
  });
});

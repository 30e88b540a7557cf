// Hostile tokens, each with the code it must be refused with. Shared by the core and adapter suites.
import { createPublicKey } from 'node:crypto';
import type { AuthErrorCode, AuthOptions } from '../src/index.js';
import { hs256, rs256 } from '../src/index.js';
import { NOW, SECRET, b64, fixedNow, fixture, handToken } from './helpers.js';

export interface HostileCase {
  readonly name: string;
  readonly token: string;
  readonly code: AuthErrorCode;
}

/** Planted in every payload: no error may ever repeat it. */
export const MARKER = 'payload-marker-7f3a';
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'api';

export const rsaPrivatePem = fixture('test-only-rsa-2048-private.pem');
export const rsaPublicPem = fixture('test-only-rsa-2048-public.pem');
const otherRsaPrivatePem = fixture('test-only-rsa-2048-b-private.pem');

/**
 * The options both tables are refused under. No clock tolerance: the tables (and the reference verifier)
 * probe the time claims' own edges; the default tolerances are test/issuers/clock-skew.test.ts's.
 */
export const hsOptions: AuthOptions = {
  key: hs256(SECRET),
  issuer: ISSUER,
  audience: AUDIENCE,
  clockTolerance: 0,
  now: fixedNow,
};
export const rsOptions: AuthOptions = {
  key: rs256({ publicKey: rsaPublicPem }),
  issuer: ISSUER,
  audience: AUDIENCE,
  clockTolerance: 0,
  now: fixedNow,
};

export const validClaims = {
  sub: 'user-1',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: NOW - 10,
  exp: NOW + 3600,
  marker: MARKER,
};
const HS = { alg: 'HS256', typ: 'JWT' };
const RS = { alg: 'RS256', typ: 'JWT' };
const hs = (payload: string | object | Uint8Array, header: object = HS): string =>
  handToken(header, payload, { hmac: SECRET });
const rs = (payload: string | object | Uint8Array, header: object = RS): string =>
  handToken(header, payload, { rsaPem: rsaPrivatePem });
const claims = (changes: Record<string, unknown>): Record<string, unknown> => {
  const result: Record<string, unknown> = { ...validClaims };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
};

// base64url whose last character carries non-zero unused bits: the same bytes, spelled another way.
function nonCanonical(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.at(-1)!);
  return segment.slice(0, -1) + alphabet[last + 1];
}
const withHeaderSegment = (token: string, segment: string): string =>
  [segment, ...token.split('.').slice(1)].join('.');
const withSignature = (token: string, signature: string): string =>
  token.split('.').slice(0, 2).concat(signature).join('.');

/** A valid token for `hsOptions`, with a header segment whose length leaves unused bits. */
const goodHs = hs(validClaims);
const ATTACKER_SECRET = 'attacker-secret-0123456789abcdef0123';
const attacker = (extra: object): string =>
  handToken({ ...HS, ...extra }, validClaims, { hmac: ATTACKER_SECRET });
const shortHeader = b64({ alg: 'HS256' });

export function hostileHsCases(): HostileCase[] {
  const goodSignature = goodHs.split('.')[2]!;
  return [
    // Shape
    { name: 'empty string', token: '', code: 'ERR_TOKEN_MALFORMED' },
    { name: 'one segment', token: b64(HS), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'two segments', token: `${b64(HS)}.${b64(validClaims)}`, code: 'ERR_TOKEN_MALFORMED' },
    { name: 'four segments', token: `${goodHs}.${goodSignature}`, code: 'ERR_TOKEN_MALFORMED' },
    { name: 'empty payload segment', token: `${b64(HS)}..${goodSignature}`, code: 'ERR_TOKEN_MALFORMED' },
    { name: 'JWE-like five segments', token: 'a.b.c.d.e', code: 'ERR_TOKEN_MALFORMED' },
    { name: 'over 8192 bytes', token: hs(claims({ pad: 'x'.repeat(9000) })), code: 'ERR_TOKEN_MALFORMED' },
    {
      name: 'non-ASCII character',
      token: `${goodHs.slice(0, 5)}é${goodHs.slice(6)}`,
      code: 'ERR_TOKEN_MALFORMED',
    },
    // Strict base64url
    {
      name: 'header in standard base64 (+)',
      token: withHeaderSegment(goodHs, b64(HS).replace(/.$/, '+')),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header with = padding',
      token: withHeaderSegment(hs(validClaims, { alg: 'HS256' }), `${shortHeader}==`),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header with non-canonical trailing bits',
      token: withHeaderSegment(hs(validClaims, { alg: 'HS256' }), nonCanonical(shortHeader)),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'signature with non-canonical trailing bits',
      token: withSignature(goodHs, nonCanonical(goodSignature)),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'signature with = padding',
      token: withSignature(goodHs, `${goodSignature}=`),
      code: 'ERR_TOKEN_MALFORMED',
    },
    // Header
    { name: 'header is a JSON array', token: hs(validClaims, ['HS256']), code: 'ERR_TOKEN_MALFORMED' },
    {
      name: 'header is null',
      token: handToken('null', validClaims, { hmac: SECRET }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header is a number',
      token: handToken('256', validClaims, { hmac: SECRET }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header is a JSON string',
      token: handToken('"HS256"', validClaims, { hmac: SECRET }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header is not JSON',
      token: handToken('{alg:HS256}', validClaims, { hmac: SECRET }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header is invalid UTF-8',
      token: handToken(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), validClaims, {
        hmac: SECRET,
      }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'header starts with a BOM',
      token: handToken(`\ufeff${JSON.stringify(HS)}`, validClaims, { hmac: SECRET }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    { name: 'header without alg', token: hs(validClaims, { typ: 'JWT' }), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'alg is a number', token: hs(validClaims, { alg: 256 }), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'alg is an array', token: hs(validClaims, { alg: ['HS256'] }), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'kid is a number', token: hs(validClaims, { ...HS, kid: 1 }), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'typ is an object', token: hs(validClaims, { ...HS, typ: {} }), code: 'ERR_TOKEN_MALFORMED' },
    {
      name: 'crit names a claim',
      token: hs(validClaims, { ...HS, crit: ['exp'], exp: 1 }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    { name: 'crit is empty', token: hs(validClaims, { ...HS, crit: [] }), code: 'ERR_TOKEN_MALFORMED' },
    {
      name: 'crit with b64:false (RFC 7797)',
      token: hs(validClaims, { ...HS, b64: false, crit: ['b64'] }),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'typ of another kind (at+jwt)',
      token: hs(validClaims, { alg: 'HS256', typ: 'at+jwt' }),
      code: 'ERR_CLAIM_INVALID',
    },
    // The key decides the algorithm
    {
      name: 'alg none, no signature',
      token: handToken({ alg: 'none' }, validClaims, { signature: '' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    {
      name: 'alg none, HMAC signature',
      token: hs(validClaims, { alg: 'none' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    {
      name: 'alg NONE',
      token: handToken({ alg: 'NONE' }, validClaims, { signature: '' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    {
      name: 'alg hs256 in lower case',
      token: hs(validClaims, { alg: 'hs256' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    { name: 'alg HS512', token: hs(validClaims, { alg: 'HS512' }), code: 'ERR_ALG_NOT_ALLOWED' },
    { name: 'alg RS256 at an HS key', token: rs(validClaims), code: 'ERR_ALG_NOT_ALLOWED' },
    { name: 'alg empty string', token: hs(validClaims, { alg: '' }), code: 'ERR_ALG_NOT_ALLOWED' },
    // Signature
    {
      name: 'signature of another secret',
      token: handToken(HS, validClaims, { hmac: `${SECRET}-other` }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    { name: 'signature empty', token: withSignature(goodHs, ''), code: 'ERR_SIGNATURE_INVALID' },
    {
      name: 'signature truncated to 16 bytes',
      token: withSignature(goodHs, b64(Buffer.from(goodSignature, 'base64url').subarray(0, 16))),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature with a byte appended',
      token: withSignature(
        goodHs,
        b64(Buffer.concat([Buffer.from(goodSignature, 'base64url'), Buffer.from([0])])),
      ),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature of another token',
      token: withSignature(hs(claims({ sub: 'admin' })), goodSignature),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'payload swapped under a good signature',
      token: `${goodHs.split('.')[0]}.${b64(claims({ sub: 'admin' }))}.${goodSignature}`,
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'embedded jwk of the attacker is not trusted',
      token: attacker({ jwk: { kty: 'oct', k: b64(ATTACKER_SECRET) } }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'jku pointing at the attacker is not followed',
      token: attacker({ jku: 'http://127.0.0.1:9/jwks.json' }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'x5u pointing at the attacker is not followed',
      token: attacker({ x5u: 'http://127.0.0.1:9/cert.pem' }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'x5c of the attacker is not trusted',
      token: attacker({ x5c: ['MIIB'] }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'expired and forged: the signature is checked first',
      token: handToken(HS, claims({ exp: NOW - 100 }), { hmac: 'wrong-secret-0123456789abcdef0123456' }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'string exp and forged: the signature is checked first',
      token: handToken(HS, claims({ exp: 'never' }), { hmac: 'wrong-secret-0123456789abcdef0123456' }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    // Payload shape, signed correctly
    { name: 'payload is a JSON array', token: hs([validClaims]), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'payload is null', token: hs('null'), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'payload is a number', token: hs('1'), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'payload is a JSON string', token: hs('"user-1"'), code: 'ERR_TOKEN_MALFORMED' },
    { name: 'payload is not JSON', token: hs(`{"sub":"${MARKER}"`), code: 'ERR_TOKEN_MALFORMED' },
    {
      name: 'payload is invalid UTF-8',
      token: hs(
        Buffer.concat([Buffer.from(`{"sub":"${MARKER}`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      ),
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'payload is prose',
      token: hs(`It is a dangerous business ${MARKER}`),
      code: 'ERR_TOKEN_MALFORMED',
    },
    // Registered claims: types
    { name: 'exp as a string', token: hs(claims({ exp: String(NOW + 3600) })), code: 'ERR_CLAIM_INVALID' },
    { name: 'exp as null', token: hs(claims({ exp: null })), code: 'ERR_CLAIM_INVALID' },
    {
      name: 'exp overflowing to Infinity',
      token: hs(`${JSON.stringify(claims({ exp: undefined })).slice(0, -1)},"exp":1e400}`),
      code: 'ERR_CLAIM_INVALID',
    },
    { name: 'exp as an array', token: hs(claims({ exp: [NOW + 3600] })), code: 'ERR_CLAIM_INVALID' },
    { name: 'exp missing', token: hs(claims({ exp: undefined })), code: 'ERR_CLAIM_INVALID' },
    { name: 'nbf as a string', token: hs(claims({ nbf: String(NOW) })), code: 'ERR_CLAIM_INVALID' },
    { name: 'iat as a boolean', token: hs(claims({ iat: true })), code: 'ERR_CLAIM_INVALID' },
    { name: 'sub as a number', token: hs(claims({ sub: 1 })), code: 'ERR_CLAIM_INVALID' },
    { name: 'jti as an object', token: hs(claims({ jti: {} })), code: 'ERR_CLAIM_INVALID' },
    { name: 'iss as an array', token: hs(claims({ iss: [ISSUER] })), code: 'ERR_CLAIM_INVALID' },
    { name: 'aud array with a number', token: hs(claims({ aud: [AUDIENCE, 1] })), code: 'ERR_CLAIM_INVALID' },
    { name: 'aud as an object', token: hs(claims({ aud: { [AUDIENCE]: true } })), code: 'ERR_CLAIM_INVALID' },
    // Registered claims: values
    { name: 'exp equal to now', token: hs(claims({ exp: NOW })), code: 'ERR_TOKEN_EXPIRED' },
    { name: 'exp in the past', token: hs(claims({ exp: NOW - 1 })), code: 'ERR_TOKEN_EXPIRED' },
    { name: 'exp at 0', token: hs(claims({ exp: 0 })), code: 'ERR_TOKEN_EXPIRED' },
    { name: 'exp negative', token: hs(claims({ exp: -1 })), code: 'ERR_TOKEN_EXPIRED' },
    { name: 'nbf in the future', token: hs(claims({ nbf: NOW + 1 })), code: 'ERR_TOKEN_NOT_YET_VALID' },
    { name: 'iat in the future', token: hs(claims({ iat: NOW + 60 })), code: 'ERR_CLAIM_INVALID' },
    { name: 'iss missing', token: hs(claims({ iss: undefined })), code: 'ERR_CLAIM_INVALID' },
    {
      name: 'iss of another issuer',
      token: hs(claims({ iss: 'https://evil.test' })),
      code: 'ERR_CLAIM_INVALID',
    },
    {
      name: 'iss differing in case',
      token: hs(claims({ iss: ISSUER.toUpperCase() })),
      code: 'ERR_CLAIM_INVALID',
    },
    { name: 'aud missing', token: hs(claims({ aud: undefined })), code: 'ERR_CLAIM_INVALID' },
    { name: 'aud of another service', token: hs(claims({ aud: 'other-api' })), code: 'ERR_CLAIM_INVALID' },
    {
      name: 'aud array without ours',
      token: hs(claims({ aud: ['other-api', 'third'] })),
      code: 'ERR_CLAIM_INVALID',
    },
    { name: 'aud empty array', token: hs(claims({ aud: [] })), code: 'ERR_CLAIM_INVALID' },
  ];
}

export function hostileRsCases(): HostileCase[] {
  const der = createPublicKey(rsaPublicPem).export({ type: 'spki', format: 'der' });
  const pkcs1Pem = createPublicKey(rsaPublicPem).export({ type: 'pkcs1', format: 'pem' }) as string;
  const confused = (secret: string | Uint8Array): string => handToken(HS, validClaims, { hmac: secret });
  return [
    {
      name: 'HS256 keyed with the RSA public key (SPKI PEM)',
      token: confused(rsaPublicPem),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    {
      name: 'HS256 keyed with the RSA public key (PKCS#1 PEM)',
      token: confused(pkcs1Pem),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    { name: 'HS256 keyed with the RSA public key (DER)', token: confused(der), code: 'ERR_ALG_NOT_ALLOWED' },
    {
      name: 'alg none',
      token: handToken({ alg: 'none' }, validClaims, { signature: '' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    {
      name: 'alg PS256 over a PKCS#1 signature',
      token: rs(validClaims, { alg: 'PS256' }),
      code: 'ERR_ALG_NOT_ALLOWED',
    },
    { name: 'alg RS512', token: rs(validClaims, { alg: 'RS512' }), code: 'ERR_ALG_NOT_ALLOWED' },
    {
      name: 'signed by another RSA key',
      token: handToken(RS, validClaims, { rsaPem: otherRsaPrivatePem }),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature of 255 bytes',
      token: withSignature(rs(validClaims), b64(Buffer.alloc(255, 1))),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature of 257 bytes',
      token: withSignature(rs(validClaims), b64(Buffer.alloc(257, 1))),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature all zero',
      token: withSignature(rs(validClaims), b64(Buffer.alloc(256))),
      code: 'ERR_SIGNATURE_INVALID',
    },
    {
      name: 'signature equal to the modulus bytes',
      token: withSignature(rs(validClaims), createPublicKey(rsaPublicPem).export({ format: 'jwk' }).n!),
      code: 'ERR_SIGNATURE_INVALID',
    },
    { name: 'expired, correctly signed', token: rs(claims({ exp: NOW - 1 })), code: 'ERR_TOKEN_EXPIRED' },
    {
      name: 'payload is a JSON array, correctly signed',
      token: rs([validClaims]),
      code: 'ERR_TOKEN_MALFORMED',
    },
  ];
}

/** Valid tokens for the two option sets, signed by hand. */
export const validHsToken: string = goodHs;
export const validRsToken: string = rs(validClaims);
export { hs as signHs, rs as signRs, claims as claimsWith };

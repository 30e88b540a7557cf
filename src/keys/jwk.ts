import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../jws/jwa.js';
import type { PublicJwk } from './provider.js';

/** The members of a public JWK that define the key (RFC 7638 §3.2), by key type. */
type KeyMembers =
  | { readonly kty: 'RSA'; readonly n: string; readonly e: string }
  | { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string }
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };

/** One DER element's content: [start, end) of the element at `at`, which must carry `tag`. */
function derContent(der: Buffer, at: number, tag: number): { start: number; end: number } {
  if (der[at] !== tag) throw new TypeError('jwt-gate: unexpected DER in an RSA-PSS public key');
  let length = der[at + 1] ?? 0;
  let start = at + 2;
  if (length > 0x80) {
    const count = length & 0x7f;
    length = der.readUIntBE(start, count);
    start += count;
  }
  return { start, end: start + length };
}

// Node exports no JWK for an RSA-PSS KeyObject; its SPKI holds the same RSAPublicKey as a plain
// RSA key's (RFC 4055 §1.2), so that key, read as PKCS#1, gives n and e.
function plainRsa(key: KeyObject): KeyObject {
  const spki = key.export({ format: 'der', type: 'spki' });
  const outer = derContent(spki, 0, 0x30);
  const algorithm = derContent(spki, outer.start, 0x30);
  const bits = derContent(spki, algorithm.end, 0x03);
  return createPublicKey({ key: spki.subarray(bits.start + 1, bits.end), format: 'der', type: 'pkcs1' });
}

/** The defining members of a public (or private) key's public half. */
function keyMembers(key: KeyObject): KeyMembers {
  const type = key.asymmetricKeyType;
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = (type === 'rsa-pss' ? plainRsa(publicKey) : publicKey).export({ format: 'jwk' });
  const text = (value: unknown): string => {
    if (typeof value !== 'string')
      throw new TypeError(`jwt-gate: a ${type ?? 'secret'} key could not be exported as a JWK`);
    return value;
  };
  if (type === 'rsa' || type === 'rsa-pss') return { kty: 'RSA', n: text(jwk.n), e: text(jwk.e) };
  if (type === 'ec' && jwk.crv === 'P-256')
    return { kty: 'EC', crv: 'P-256', x: text(jwk.x), y: text(jwk.y) };
  if (type === 'ed25519') return { kty: 'OKP', crv: 'Ed25519', x: text(jwk.x) };
  throw new TypeError(`jwt-gate: a ${type ?? 'secret'} key has no JWK here`);
}

/** Whether two keys have the same public half, whatever their type or parameters. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return JSON.stringify(keyMembers(a)) === JSON.stringify(keyMembers(b));
}

/** The RFC 7638 thumbprint of a key: a kid that names the key itself (members in lexicographic order). */
export function thumbprint(key: KeyObject): string {
  const members: Record<string, string> = keyMembers(key);
  const canonical = Object.fromEntries(
    Object.keys(members)
      .sort()
      .map((name) => [name, members[name]]),
  );
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/** The JWK a JWK Set publishes for `key`: its public members, `alg`, `use` and `kid`, never a private member. */
export function toPublicJwk(key: KeyObject, alg: Algorithm, kid: string | undefined): PublicJwk {
  return Object.freeze({
    ...keyMembers(key),
    alg,
    use: 'sig',
    ...(kid === undefined ? {} : { kid }),
  }) as PublicJwk;
}

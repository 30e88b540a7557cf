import { createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

// The physical limit: what a verifier cannot skip. Split, decode and parse the payload, check
// the signature. No header decoding, no canonical-base64url check, no claim checks: not safe to
// use, only a yardstick.

/** HS256 floor: HMAC-SHA256 and a constant-time comparison. */
export function floorVerifyHs256(token: string, secret: KeyObject): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const expected = createHmac('sha256', secret).update(token.slice(0, secondDot)).digest();
  const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw new Error('bad signature');
  return JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString()) as Record<string, unknown>;
}

/** RS256 floor: one `crypto.verify`. */
export function floorVerifyRs256(token: string, publicKey: KeyObject): Record<string, unknown> {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const signature = Buffer.from(token.slice(secondDot + 1), 'base64url');
  if (!verify('sha256', Buffer.from(token.slice(0, secondDot)), publicKey, signature)) throw new Error('bad signature');
  return JSON.parse(Buffer.from(token.slice(firstDot + 1, secondDot), 'base64url').toString()) as Record<string, unknown>;
}

const HS256_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const RS256_HEADER = Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url');

/** HS256 floor signer: a constant header, one HMAC. */
export function floorSignHs256(claims: object, secret: KeyObject): string {
  const input = `${HS256_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** RS256 floor signer: a constant header, one synchronous `crypto.sign`. */
export function floorSignRs256(claims: object, privateKey: KeyObject): string {
  const input = `${RS256_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

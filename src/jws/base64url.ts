/*
 * Strict base64url (RFC 7515 §2, RFC 4648 §5): the alphabet A–Z a–z 0–9 - _ only, no padding,
 * and zero unused trailing bits, so one byte string has exactly one spelling. These are exactly
 * the strings a Buffer decode/encode round trip gives back unchanged, checked without the round
 * trip or a regular expression over every character (test/jws/base64url.test.ts compares the two).
 */

/** Whether `text` is all ASCII and holds neither `+` nor `/`: what a decoded length cannot show. */
export function plainAscii(text: string): boolean {
  // Any character above U+007F takes two or more bytes in UTF-8.
  return Buffer.byteLength(text, 'utf8') === text.length && !text.includes('+') && !text.includes('/');
}

/**
 * The bytes of `segment`, or `undefined` unless every character is in the alphabet. The caller
 * has checked {@link plainAscii}. Node's decoder takes both base64 alphabets, skips what is in
 * neither and stops at `=`; without `+` and `/` a skipped or stopped-at character always shortens
 * the output (⌊3n/4⌋ strictly decreases with n, except from n ≡ 0 to n ≡ 1 mod 4, and a length of
 * 1 mod 4 is refused anyway), so a full-length result proves every character was decoded.
 */
export function decodeAlphabet(segment: string): Buffer | undefined {
  if ((segment.length & 3) === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.length === (segment.length * 3) >>> 2 ? bytes : undefined;
}

/** The 6-bit value of a base64url character already known to be in the alphabet. */
function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z
  if (code >= 65) return code - 65; // A-Z
  if (code >= 48) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // - _
}

/**
 * Whether an alphabet-only segment is canonical: a length that is not 1 mod 4, and zero bits
 * where its last character overhangs the last byte (4 bits after 2 characters, 2 after 3).
 */
export function isCanonical(segment: string): boolean {
  const rest = segment.length & 3;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = sextet(segment.charCodeAt(segment.length - 1));
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** The bytes of a strict base64url string, or `undefined` for anything else. */
export function decodeStrict(segment: string): Buffer | undefined {
  if (!plainAscii(segment)) return undefined;
  const bytes = decodeAlphabet(segment);
  return bytes !== undefined && isCanonical(segment) ? bytes : undefined;
}

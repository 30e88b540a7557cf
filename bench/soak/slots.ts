/** A range of Redis Cluster hash slots, both ends included. */
export type SlotRange = readonly [number, number];

// CRC16-CCITT (XMODEM): the hash of Redis Cluster's key slots (Redis Cluster specification).
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot of `key`: of its hash tag (the first non-empty `{...}`) when it has one. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % 16384;
}

/**
 * The slot of a subject's keys: docs/many-instances.md's hash tag `{sub:<subject>}`. The soak's subjects need no
 * percent-encoding (letters, digits, `-` and `.`), so the tag holds the subject as it is.
 */
export function subjectSlot(sub: string): number {
  return keySlot(`{sub:${sub}}`);
}

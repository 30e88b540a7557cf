import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeStrict } from '../../src/jws/base64url.js';

// The definition the fast check must match exactly: the alphabet, and a Buffer round trip that
// gives the same string back (no padding, no stray trailing bits).
function reference(segment: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Characters Node's decoder takes (+ /), stops at (=) or skips, and non-ASCII ones whose low
// byte is an alphabet character (Ł is U+0141, ī is U+012B: 'A' and '+' once cast to a byte).
const HOSTILE = [
  '+',
  '/',
  '=',
  ' ',
  '\t',
  '\n',
  '.',
  '%',
  '\0',
  '\x7f',
  'é',
  'Ł',
  'ī',
  'ſ',
  '\u{1F600}',
  '\ud800',
  '\uff21',
];

// Disagreements are collected, not asserted one by one: hundreds of thousands of strings are checked.
const disagreements: string[] = [];
function agrees(segment: string): void {
  const expected = reference(segment);
  const actual = decodeStrict(segment);
  const same =
    expected === undefined ? actual === undefined : actual !== undefined && actual.equals(expected);
  if (!same) disagreements.push(JSON.stringify(segment));
}

describe('decodeStrict agrees with the round-trip definition', () => {
  it('on every string of up to three characters over the alphabet and hostile characters', () => {
    const chars = [...ALPHABET, ...HOSTILE];
    agrees('');
    for (const a of chars) {
      agrees(a);
      for (const b of chars) {
        agrees(a + b);
        for (const c of chars) agrees(a + b + c);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('on every four-character string over the characters that matter at the end of a group', () => {
    const chars = ['A', 'B', 'P', 'Q', 'R', 'g', 'w', 'z', '0', '-', '_', ...HOSTILE];
    for (const a of chars)
      for (const b of chars) for (const c of chars) for (const d of chars) agrees(a + b + c + d);
    expect(disagreements).toEqual([]);
  });

  it('on random encodings, each with one character changed, added or removed', () => {
    for (let i = 0; i < 20_000; i++) {
      const encoded = randomBytes(i % 97).toString('base64url');
      agrees(encoded);
      const at = i % (encoded.length + 1);
      const char = i % 3 === 0 ? (ALPHABET[(i * 7) % 64] ?? 'A') : (HOSTILE[i % HOSTILE.length] ?? '=');
      agrees(encoded.slice(0, at) + char + encoded.slice(at + 1));
      agrees(encoded.slice(0, at) + char + encoded.slice(at));
      agrees(encoded.slice(0, at) + encoded.slice(at + 1));
      agrees(`${encoded}=`);
      agrees(`${encoded}==`);
    }
    expect(disagreements).toEqual([]);
  });
});

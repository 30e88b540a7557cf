import { readFileSync } from 'node:fs';
import { createHmac, sign as cryptoSign } from 'node:crypto';

/** Reads a file of test/fixtures as text. */
export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** base64url of a string or JSON value, for hand-built tokens. */
export function b64(value: string | object | Uint8Array): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A fixed clock: 2026-01-01T00:00:00Z. */
export const NOW_MS = Date.UTC(2026, 0, 1);
export const NOW = NOW_MS / 1000;
export const fixedNow = (): number => NOW_MS;

export const SECRET = 'test-only-secret-0123456789abcdef-0123456789';

/** Signs `header.payload` by hand with node:crypto, independent of the library's signer. */
export function handToken(
  header: string | object | Uint8Array,
  payload: string | object | Uint8Array,
  sign: { hmac: string | Uint8Array } | { rsaPem: string } | { signature: string },
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if ('signature' in sign) return `${input}.${sign.signature}`;
  const signature =
    'hmac' in sign
      ? createHmac('sha256', sign.hmac).update(input).digest()
      : cryptoSign('sha256', Buffer.from(input), sign.rsaPem);
  return `${input}.${signature.toString('base64url')}`;
}

/** The error `fn` throws; fails the test when it throws nothing or a non-Error. */
export function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected a throw, got none');
}

import { readFileSync } from 'node:fs';
import { createHmac, sign as cryptoSign } from 'node:crypto';
import {
  hs256,
  isAuthError,
  type AuthError,
  type BoundKey,
  type KeyProvider,
  type PublicJwk,
} from '../src/index.js';

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
/** Another HS256 secret: the attacker's, or the key a verifier does not hold. */
export const OTHER_SECRET = 'another-test-secret-0123456789abcdef-0123';

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

/** The AuthError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  if (!isAuthError(outcome.error)) throw outcome.error;
  return outcome.error;
}

/**
 * An HS256 provider of SECRET whose verifying KeyObject counts its reads: only a full (signature)
 * verification reads it, a cache hit does not. `set` swaps the key, or withdraws it with `undefined`.
 */
export function countingProvider(): {
  provider: KeyProvider & { signingKey(): BoundKey };
  reads: () => number;
  set: (key: BoundKey | undefined) => void;
} {
  const inner = hs256(SECRET).keys?.[0] as BoundKey;
  let reads = 0;
  const counted: BoundKey = Object.freeze({
    alg: inner.alg,
    kid: undefined,
    get key() {
      reads++;
      return inner.key;
    },
  });
  let current: BoundKey | undefined = counted;
  const provider = Object.freeze({
    algorithms: Object.freeze(['HS256' as const]),
    verifyKey: (): BoundKey | undefined => current,
    // Signing never goes through the counted key.
    signingKey: (): BoundKey => inner,
  });
  return { provider, reads: () => reads, set: (key) => (current = key) };
}

/** The modulus of the first published JWK, or `undefined` when it is not an RSA key. */
export const modulusOf = (jwk: PublicJwk | undefined): string | undefined =>
  jwk?.kty === 'RSA' ? jwk.n : undefined;

/**
 * A cookie as if written in the second its token was signed: on a real clock a token signed just before a
 * second's boundary has one second less left when its cookie's Max-Age is computed.
 */
export const asSigned = (cookie: string | undefined, seconds: number): string | undefined =>
  cookie?.replace(`; Max-Age=${seconds - 1};`, `; Max-Age=${seconds};`);

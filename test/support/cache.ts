// What the verified-token cache tests share: a token of the fixed clock, the options of a cached
// Auth, and ways to compare a cached verdict with an uncached one.
import { expect } from 'vitest';
import {
  createAuth,
  hs256,
  isAuthError,
  type Auth,
  type AuthOptions,
  type BoundKey,
} from '../../src/index.js';
import { NOW, SECRET, fixedNow, handToken } from '../helpers.js';

export const claims = {
  sub: 'user-1',
  role: 'member',
  roles: ['member'],
  aud: 'api',
  iat: NOW - 10,
  exp: NOW + 3600,
};
export const hsToken = (
  payload: object | string = claims,
  header: object = { alg: 'HS256', typ: 'JWT' },
  secret: string = SECRET,
): string => handToken(header, payload, { hmac: secret });
export const good = hsToken();

/** 'ok', an AuthError code, or the name of any other error: what a verification came to. */
export const verdict = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (isAuthError(e) ? e.code : `${(e as Error).name}: ${(e as Error).message}`),
  );

/** Calls `fn` and returns what it returned, failing the test on a synchronous throw. */
export function noSyncThrow<T>(fn: () => T): T {
  let result: T | undefined;
  expect(() => {
    result = fn();
  }).not.toThrow();
  return result as T;
}

/** The BoundKey of hs256(SECRET). */
export const inner = hs256(SECRET).keys?.[0] as BoundKey;

// No clock tolerance: the cache tests probe the time claims' edges on hits and misses alike.
export const options = (extra: Partial<AuthOptions> = {}): AuthOptions => ({
  key: hs256(SECRET),
  clockTolerance: 0,
  now: fixedNow,
  store: false,
  ...extra,
});
/** The same options twice: with the cache on, and off. */
export const pair = (extra: Partial<AuthOptions> = {}): { cached: Auth; plain: Auth } => ({
  cached: createAuth(options({ cache: { max: 100 }, ...extra })),
  plain: createAuth(options({ cache: false, ...extra })),
});

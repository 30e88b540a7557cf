import { createAuth, hs256, type Auth, type AuthOptions, type KeyProvider } from 'jwt-gate';
import { AUDIENCE, ISSUER, keys } from './fixtures.js';

/** The cache size the benchmarks use: the default the README recommends, and fast-jwt's `cache: true`. */
export const CACHE_MAX = 1_000;

/**
 * Whether this `createAuth` takes the `cache` option (bench/PATCHES.md wires it). Until it
 * does, the rows that need it are left out and every other row runs as before.
 */
export const cacheWired: boolean = (() => {
  try {
    createAuth({ key: hs256(keys.secret), cache: false } as AuthOptions);
    return true;
  } catch (err) {
    if (err instanceof TypeError && err.message.includes('"cache"')) return false;
    throw err;
  }
})();

export interface GateSetup {
  /** Keep the default in-memory revocation store, which every verification then consults. */
  readonly store?: boolean;
  /** The verified-token cache; off unless asked for, whatever the library's default. */
  readonly cache?: boolean;
  /** Its size. @default CACHE_MAX */
  readonly cacheMax?: number;
}

/**
 * jwt-gate doing the peers' work: iss and aud checked on verify (set on issue), no revocation
 * store (none of the peers asks one) and no cache, unless `setup` asks for them. `undefined`
 * when the cache is asked for and not wired yet.
 */
export function gate(key: KeyProvider, setup: GateSetup = {}): Auth | undefined {
  if (setup.cache && !cacheWired) return undefined;
  const options = { key, issuer: ISSUER, audience: AUDIENCE, ...(setup.store ? {} : { store: false }) };
  const cache = cacheWired ? { cache: setup.cache ? { max: setup.cacheMax ?? CACHE_MAX } : false } : {};
  return createAuth({ ...options, ...cache } as AuthOptions);
}

/** {@link gate} for the set-ups that always exist. */
export function gateAuth(key: KeyProvider, setup: Omit<GateSetup, 'cache'> = {}): Auth {
  return gate(key, setup) as Auth;
}

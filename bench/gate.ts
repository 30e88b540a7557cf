import { createAuth, type Auth, type KeyProvider, type SessionStore } from 'jwt-gate';
import { AUDIENCE, ISSUER } from './fixtures.js';

/** The cache size the benchmarks use: jwt-gate's default, and fast-jwt's `cache: true`. */
const CACHE_MAX = 1_000;

export interface GateSetup {
  /** Keep the default in-memory revocation store (`true`) or use this one; every verification then consults it. */
  readonly store?: boolean | SessionStore;
  /** The verified-token cache; off unless asked for, whatever the library's default. */
  readonly cache?: boolean;
  /** Its size. @default CACHE_MAX */
  readonly cacheMax?: number;
}

/**
 * jwt-gate doing the peers' work: iss and aud checked on verify (set on issue), no revocation
 * store (none of the peers asks one) and no cache, unless `setup` asks for them.
 */
export function gate(key: KeyProvider, setup: GateSetup = {}): Auth {
  return createAuth({
    key,
    issuer: ISSUER,
    audience: AUDIENCE,
    ...(setup.store === true ? {} : { store: setup.store ?? false }),
    cache: setup.cache ? { max: setup.cacheMax ?? CACHE_MAX } : false,
  });
}

import type { KeyObject } from 'node:crypto';
import { AuthError } from '../errors.js';
import type { JwsHeader } from '../jws.js';
import { checkKnownKeys } from '../known-keys.js';
import type { BoundKey, KeyProvider } from './provider.js';
import { RSA, importKey } from './key-import.js';

/** Options of {@link jwks}. Durations are whole milliseconds. */
export interface JwksOptions {
  /** The JWK Set's `http:` or `https:` URL. Only this URL is fetched: a token's `jku` or `x5u` never is. */
  readonly url: string | URL;
  /** How long one fetch may take, body included; at least 1. @default 5000 */
  readonly timeoutDuration?: number;
  /**
   * How long a fetched set is used before it is fetched again. 0: the set is stale as soon as it
   * is fetched, so a verification refetches it whenever `cooldownDuration` allows, keeping the held
   * keys when that fetch fails. @default 600000 (10 minutes)
   */
  readonly cacheMaxAge?: number;
  /**
   * Once a set is cached, the least time between two fetch attempts: an unknown `kid`, or a
   * refresh of a stale set while the endpoint is failing, fetches at most once per period.
   * 0: no cooldown, so every token with an unknown `kid` costs a fetch (concurrent ones share it).
   * @default 30000
   */
  readonly cooldownDuration?: number;
  /** The largest response body accepted, in bytes; at least 1. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
  /** The clock for cache ages and cooldowns, in ms (tests pin it; the fetch timeout uses real time). @default Date.now */
  readonly now?: () => number;
}

interface CachedSet {
  readonly byKid: ReadonlyMap<string, BoundKey>;
  readonly all: readonly BoundKey[];
  readonly fetchedAt: number;
}

const KNOWN_OPTIONS = ['url', 'timeoutDuration', 'cacheMaxAge', 'cooldownDuration', 'maxBytes', 'now'] as const;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
// AbortSignal.timeout runs on setTimeout, which fires at once for delays above 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' || url instanceof URL ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed?.protocol !== 'https:' && parsed?.protocol !== 'http:') {
    throw new TypeError('jwt-gate: jwks "url" must be an http: or https: URL');
  }
  // fetch refuses such a URL on every request; say so once, at start-up.
  if (parsed.username !== '' || parsed.password !== '') throw new TypeError('jwt-gate: jwks "url" must not carry credentials');
  return parsed.href;
}

function checkWhole(value: unknown, option: string, unit: string, fallback: number, min: 0 | 1, max: number = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = min === 0 ? `a whole number of ${unit}, 0 or more` : `a positive whole number of ${unit}`;
    const limit = max === Number.MAX_SAFE_INTEGER ? '' : ` up to ${max}`;
    throw new TypeError(`jwt-gate: jwks "${option}" must be ${range}${limit}`);
  }
  return value;
}

// Failure reasons are fixed sentences: they become the AuthError's cause and never quote the body.
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  let finished = false;
  try {
    if (!res.ok) throw new Error(`jwt-gate: JWKS endpoint answered HTTP ${res.status}`);
    if (Number(res.headers.get('content-length')) > maxBytes) throw new Error('jwt-gate: JWKS response is larger than maxBytes');
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader !== undefined) {
      const next = await reader.read();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) throw new Error('jwt-gate: JWKS response is larger than maxBytes');
      chunks.push(next.value);
    }
    finished = true;
    return utf8.decode(Buffer.concat(chunks));
  } finally {
    // Drops the connection without waiting for a body nobody will read.
    if (!finished) reader?.cancel().catch(() => undefined);
  }
}

function toBoundKey(jwk: unknown): BoundKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const { kty, use, alg, kid, key_ops: ops, n, e } = jwk as Record<string, unknown>;
  if (kty !== 'RSA' || (use !== undefined && use !== 'sig') || (alg !== undefined && alg !== 'RS256')) return undefined;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return undefined;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  // A published private key is a leak at the issuer, not a key to trust.
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return undefined;
  let key: KeyObject;
  try {
    key = importKey({ kty, n, e }, 'public', RSA);
  } catch {
    return undefined;
  }
  return Object.freeze({ alg: 'RS256', key, kid });
}

// An unchanged key stays the same object across refetches: the verified-token cache compares keys
// by identity, and would otherwise check every cached token's signature again after each refetch.
function keptKey(key: BoundKey, previous: CachedSet | undefined): BoundKey {
  const old = key.kid === undefined ? (previous?.all.length === 1 ? previous.all[0] : undefined) : previous?.byKid.get(key.kid);
  return old !== undefined && old.kid === key.kid && old.key.equals(key.key) ? old : key;
}

function toCachedSet(doc: unknown, fetchedAt: number, previous: CachedSet | undefined): CachedSet {
  const keys = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('jwt-gate: JWKS response is not a JSON object with a "keys" array');
  const all = keys
    .map(toBoundKey)
    .filter((key) => key !== undefined)
    .map((key) => keptKey(key, previous));
  const byKid = new Map<string, BoundKey>();
  const repeated = new Set<string>();
  for (const key of all) {
    if (key.kid === undefined) continue;
    if (byKid.has(key.kid)) repeated.add(key.kid);
    byKid.set(key.kid, key);
  }
  // Two keys under one kid are ambiguous, and trying both is what kid matching avoids.
  for (const kid of repeated) byKid.delete(kid);
  return { byKid, all, fetchedAt };
}

/**
 * A verify-only RS256 provider for the JWK Set (RFC 7517 §5) another issuer publishes. The set is
 * fetched on first use, cached for `cacheMaxAge`, refetched for an unknown `kid` at most once per
 * `cooldownDuration`, and kept when a refresh fails. With nothing cached, an unreachable endpoint
 * or a malformed set fails verification with `ERR_KEYS_UNAVAILABLE` (503).
 * @example createAuth({ key: jwks({ url: 'https://issuer.example/.well-known/jwks.json' }) })
 */
export function jwks(options: JwksOptions): KeyProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: jwks needs { url }');
  checkKnownKeys(options, KNOWN_OPTIONS, 'jwks');
  const url = checkUrl(options.url);
  // A fetch given no time, or a body of no bytes, could never succeed; 0 is refused there only.
  const timeoutDuration = checkWhole(options.timeoutDuration, 'timeoutDuration', 'ms', 5000, 1, MAX_TIMER_MS);
  const cacheMaxAge = checkWhole(options.cacheMaxAge, 'cacheMaxAge', 'ms', 600_000, 0);
  const cooldownDuration = checkWhole(options.cooldownDuration, 'cooldownDuration', 'ms', 30_000, 0);
  const maxBytes = checkWhole(options.maxBytes, 'maxBytes', 'bytes', 1_048_576, 1);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('jwt-gate: jwks "now" must be a function returning milliseconds');

  let cached: CachedSet | undefined;
  let lastAttempt = -Infinity;
  let inflight: Promise<CachedSet> | undefined;

  async function load(): Promise<CachedSet> {
    // 'manual': a redirect would fetch a URL nobody configured, so a 3xx fails like any non-2xx.
    const res = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutDuration) });
    const text = await readCapped(res, maxBytes);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      // The parser's message quotes the body.
      throw new Error('jwt-gate: JWKS response is not JSON');
    }
    cached = toCachedSet(doc, now(), cached);
    return cached;
  }

  // Single-flight: every caller that needs the set while a fetch runs waits on that one fetch.
  function refresh(): Promise<CachedSet> {
    if (inflight === undefined) {
      lastAttempt = now();
      inflight = load().finally(() => {
        inflight = undefined;
      });
    }
    return inflight;
  }

  // Stale-if-error: a failed refresh keeps the keys already held.
  const refreshOrKeep = (held: CachedSet): Promise<CachedSet> => refresh().catch(() => held);
  const mayFetch = (): boolean => inflight !== undefined || now() - lastAttempt >= cooldownDuration;

  async function verifyKey(header: JwsHeader): Promise<BoundKey | undefined> {
    let set = cached;
    if (set === undefined) {
      try {
        set = await refresh();
      } catch (cause) {
        throw new AuthError('ERR_KEYS_UNAVAILABLE', { cause });
      }
    } else if (now() - set.fetchedAt >= cacheMaxAge && mayFetch()) {
      set = await refreshOrKeep(set);
    }
    const kid: unknown = header.kid;
    // Without a kid only an unambiguous set can answer: never try every key.
    if (kid === undefined) return set.all.length === 1 ? set.all[0] : undefined;
    if (typeof kid !== 'string') return undefined;
    const key = set.byKid.get(kid);
    if (key !== undefined || !mayFetch()) return key;
    return (await refreshOrKeep(set)).byKid.get(kid);
  }

  return Object.freeze({ algorithms: Object.freeze(['RS256' as const]), verifyKey });
}

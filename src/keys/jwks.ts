import type { KeySkippedEvent } from '../events.js';
import type { Algorithm } from '../jws/jwa.js';
import type { JwsHeader } from '../jws/jws.js';
import { checkKnownKeys } from '../validate.js';
import { readJwk, type LeftOut } from './jwk-import.js';
import type { BoundKey, KeyProvider } from './provider.js';
import {
  REMOTE_OPTIONS,
  checkUrl,
  createRemote,
  isLoopback,
  fetchJson,
  resolveRemote,
  type RemoteOptions,
  type ResolvedRemote,
} from './remote.js';

/** Options of {@link jwks}. Durations are whole milliseconds. */
export interface JwksOptions extends RemoteOptions {
  /** The JWK Set's `https:` URL (`http:` only on the loopback). Only this URL is fetched: a token's `jku` or `x5u` never is. */
  readonly url: string | URL;
}

interface KeySet {
  readonly byKid: ReadonlyMap<string, BoundKey>;
  readonly all: readonly BoundKey[];
  /** The signature keys this fetch left out, and those of them the previous fetch did not: the ones to report. */
  readonly leftOut: readonly LeftOut[];
  readonly newlyLeftOut: readonly LeftOut[];
}

const isLeftOut = (read: BoundKey | LeftOut | undefined): read is LeftOut =>
  read !== undefined && 'reason' in read;
const isKey = (read: BoundKey | LeftOut | undefined): read is BoundKey =>
  read !== undefined && !('reason' in read);
const leftOutKey = ({ kid, reason }: LeftOut): string => JSON.stringify([kid ?? null, reason]);

// An unchanged key stays the same object across refetches: the verified-token cache compares keys
// by identity, and would otherwise check every cached token's signature again after each refetch.
function keptKey(key: BoundKey, previous: KeySet | undefined): BoundKey {
  const old =
    key.kid === undefined
      ? previous?.all.length === 1
        ? previous.all[0]
        : undefined
      : previous?.byKid.get(key.kid);
  return old !== undefined && old.kid === key.kid && old.alg === key.alg && old.key.equals(key.key)
    ? old
    : key;
}

function toKeySet(doc: unknown, previous: KeySet | undefined): KeySet {
  const keys =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as { keys?: unknown }).keys
      : undefined;
  if (!Array.isArray(keys))
    throw new Error('jwt-gate: JWKS response is not a JSON object with a "keys" array');
  const read = keys.map(readJwk);
  const all = read.filter(isKey).map((key) => keptKey(key, previous));
  const byKid = new Map<string, BoundKey>();
  const repeated = new Set<string>();
  for (const key of all) {
    if (key.kid === undefined) continue;
    if (byKid.has(key.kid)) repeated.add(key.kid);
    byKid.set(key.kid, key);
  }
  // Two keys under one kid are ambiguous, and trying both is what kid matching avoids.
  for (const kid of repeated) byKid.delete(kid);
  const leftOut = read.filter(isLeftOut);
  const before = new Set(previous?.leftOut.map(leftOutKey));
  return { byKid, all, leftOut, newlyLeftOut: leftOut.filter((key) => !before.has(leftOutKey(key))) };
}

/** Every algorithm a published key may be for; each key still verifies only its own (verifier.ts). */
// A published key set holds public keys only, and none of the legacy algorithms a provider opts into.
export const REMOTE_ALGORITHMS: readonly Algorithm[] = Object.freeze([
  'RS256',
  'PS256',
  'ES256',
  'EdDSA',
  'Ed25519',
]);

/** The verify-only provider of the JWK Set at `url`, fetched and kept under `o`. */
export function remoteKeySet(url: string, o: ResolvedRemote): KeyProvider {
  const remote = createRemote(
    (previous: KeySet | undefined) => fetchJson(url, o, 'JWKS').then((doc) => toKeySet(doc, previous)),
    o,
  );

  // A set's newly left-out keys are heard once, by the first verification with a listener to meet it.
  const heard = new WeakSet<KeySet>();
  function tell(set: KeySet | undefined, report: ((event: KeySkippedEvent) => void) | undefined): void {
    if (set === undefined || report === undefined || set.newlyLeftOut.length === 0 || heard.has(set)) return;
    heard.add(set);
    for (const { kid, reason } of set.newlyLeftOut) report({ type: 'key-skipped', kid, reason });
  }

  async function verifyKey(
    header: JwsHeader,
    report?: (event: KeySkippedEvent) => void,
  ): Promise<BoundKey | undefined> {
    const set = await remote.current();
    tell(set, report);
    const kid: unknown = header.kid;
    // Without a kid only an unambiguous set can answer: never try every key.
    if (kid === undefined) return set.all.length === 1 ? set.all[0] : undefined;
    if (typeof kid !== 'string') return undefined;
    const found = set.byKid.get(kid);
    if (found !== undefined) return found;
    const again = await remote.refetched(set);
    tell(again, report);
    return again?.byKid.get(kid);
  }

  return Object.freeze({ algorithms: REMOTE_ALGORITHMS, verifyKey });
}

/**
 * A verify-only provider for the JWK Set (RFC 7517 §5) another issuer publishes: RSA (RS256, or
 * PS256 where the JWK says so), EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys. The set is fetched
 * on first use, cached for `cacheMaxAge`, refetched for an unknown `kid` at most once per
 * `cooldownDuration`, and kept when a refresh fails. With nothing cached, an unreachable endpoint
 * or a malformed set fails verification with `ERR_KEYS_UNAVAILABLE` (503).
 * @example createAuth({ key: jwks({ url: 'https://issuer.example/.well-known/jwks.json' }) })
 */
export function jwks(options: JwksOptions): KeyProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: jwks needs { url }');
  checkKnownKeys(options, ['url', ...REMOTE_OPTIONS], 'jwks');
  const parsed = checkUrl(options.url, 'jwks');
  // Keys fetched in clear could be swapped on the way: plain HTTP only where nothing travels, the loopback.
  if (parsed.protocol === 'http:' && !isLoopback(parsed))
    throw new TypeError('jwt-gate: jwks "url" must be an https: URL (http: only on the loopback)');
  const url = parsed.href;
  return remoteKeySet(url, resolveRemote(options, 'jwks'));
}

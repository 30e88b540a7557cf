import type { KeySkippedEvent } from '../events.js';
import type { JwsHeader } from '../jws/jws.js';
import { checkKnownKeys } from '../validate.js';
import { REMOTE_ALGORITHMS, remoteKeySet } from './jwks.js';
import type { BoundKey, KeyProvider } from './provider.js';
import {
  REMOTE_OPTIONS,
  checkUrl,
  createRemote,
  fetchJson,
  isLoopback,
  resolveRemote,
  type RemoteOptions,
} from './remote.js';

/** Options of {@link oidc}: the issuer, and the fetch rules of `jwks`, which apply to both documents. */
export interface OidcOptions extends RemoteOptions {
  /**
   * The issuer identifier, exactly as the provider's tokens carry it in `iss` (`https://id.example`,
   * or with a path). `https:`; `http:` only on the loopback, for local development.
   */
  readonly issuer: string;
}

/** A key provider for an OpenID Provider's tokens: what `oidc()` returns, with the issuer `createAuth` checks. */
export interface OidcProvider extends KeyProvider {
  readonly issuer: string;
}

const WHERE = 'oidc';

// OpenID Connect Discovery 1.0 §2: an https URL without query or fragment. Plain HTTP is taken only
// on the loopback, so a test or a local IdP needs no certificate and nothing else travels in clear.
function checkIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string')
    throw new TypeError('jwt-gate: oidc "issuer" must be the issuer URL as a string');
  const url = checkUrl(issuer, WHERE, 'issuer');
  if (url.protocol === 'http:' && !isLoopback(url))
    throw new TypeError('jwt-gate: oidc "issuer" must be an https: URL (http: only on the loopback)');
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new TypeError('jwt-gate: oidc "issuer" must have no query and no fragment');
  }
  return issuer;
}

/** The `jwks_uri` of a discovery document that names `issuer`; thrown reasons are fixed sentences. */
function jwksUriOf(doc: unknown, issuer: string): string {
  const { issuer: named, jwks_uri: uri } =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  // §4.3: the issuer in the document must be identical to the one its URL was built from, or an
  // issuer could vouch for another's keys.
  if (named !== issuer) throw new Error('jwt-gate: the OpenID configuration names another issuer');
  let url: URL;
  try {
    url = checkUrl(uri, WHERE, 'jwks_uri');
  } catch {
    throw new Error('jwt-gate: the OpenID configuration has no usable jwks_uri');
  }
  if (url.protocol !== 'https:' && !isLoopback(url))
    throw new Error('jwt-gate: the OpenID configuration has a jwks_uri that is not https');
  return url.href;
}

/**
 * A verify-only provider for an OpenID Provider: fetches `<issuer>/.well-known/openid-configuration`
 * on first use, checks that it names this issuer exactly, and verifies with the JWK Set at its
 * `jwks_uri` (the rules of {@link jwks}). The document is kept like a JWK Set: for `cacheMaxAge`,
 * then refetched at most once per `cooldownDuration`, and kept when a refetch fails. `createAuth`
 * checks `iss` against the issuer. An unreachable or wrong document is `ERR_KEYS_UNAVAILABLE` (503).
 * @example createAuth({ key: oidc({ issuer: 'https://id.example' }), audience: 'my-client-id' })
 */
export function oidc(options: OidcOptions): OidcProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError('jwt-gate: oidc needs { issuer }');
  checkKnownKeys(options, ['issuer', ...REMOTE_OPTIONS], WHERE);
  const issuer = checkIssuer(options.issuer);
  const o = resolveRemote(options, WHERE);
  // §4: a path keeps its place; a trailing slash is dropped before the well-known suffix.
  const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const discovery = createRemote(
    () => fetchJson(discoveryUrl, o, 'OpenID configuration').then((doc) => jwksUriOf(doc, issuer)),
    o,
  );
  // One key set per jwks_uri: a refetched document naming a new one starts a new set.
  let keys: { readonly uri: string; readonly provider: KeyProvider } | undefined;

  async function verifyKey(
    header: JwsHeader,
    report?: (event: KeySkippedEvent) => void,
  ): Promise<BoundKey | undefined> {
    const uri = await discovery.current();
    if (keys?.uri !== uri) keys = { uri, provider: remoteKeySet(uri, o) };
    return keys.provider.verifyKey(header, report);
  }

  return Object.freeze({ algorithms: REMOTE_ALGORITHMS, verifyKey, issuer });
}

import type { Auth } from '../auth.js';
import type { Claims } from '../jws/claims.js';
import { checkKnownKeys, isWhole, optionError } from '../validate.js';

/** How long verifiers may cache the published JWK Set. */
export interface JwksHandlerOptions {
  /** Seconds verifiers may cache the set: `Cache-Control: public, max-age=...`. @default 300 */
  readonly maxAge?: number;
}

/** The answer of a JWKS endpoint, for an adapter to write: status, caching headers and the JSON text. */
export interface JwksResponse {
  readonly status: 200;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The response that publishes `auth`'s public keys (RFC 7517 §5), e.g. at `/.well-known/jwks.json`. */
export function jwksResponse<U, C extends Claims>(
  auth: Auth<U, C>,
  options: JwksHandlerOptions = {},
): JwksResponse {
  checkKnownKeys(options, ['maxAge'], 'jwksHandler');
  const maxAge = options.maxAge ?? 300;
  if (!isWhole(maxAge)) throw optionError('maxAge', 'whole seconds');
  // Keys are fixed once the provider exists, so the document is built once.
  return Object.freeze({
    status: 200,
    headers: Object.freeze({
      'Content-Type': 'application/json',
      'Cache-Control': `public, max-age=${maxAge}`,
    }),
    body: JSON.stringify(auth.jwks()),
  });
}

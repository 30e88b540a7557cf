import { AuthError } from '../errors.js';
import type { KeySkippedEvent } from '../events.js';
import type { ClaimRules, Claims } from '../jws/claims.js';
import { decodePayloadText, parseJsonObject, type CompactJws } from '../jws/jws.js';
import type { KeyProvider } from '../keys/provider.js';
import type { Outage } from '../outage.js';

/**
 * An issuer whose tokens an `Auth` verifies: its keys, the algorithms they may verify, its claim rules
 * and its `typ`. The app's own (`key`, `issuer`) is one; each entry of `issuers` is another.
 */
export interface Trust {
  readonly issuer: string | undefined;
  readonly provider: KeyProvider;
  /** The entry's narrower list of the provider's algorithms, when it gives one: checked before any key is asked. */
  readonly algorithms: readonly string[] | undefined;
  readonly claimRules: ClaimRules;
  /** The `typ` its access tokens carry, as given and as compared (`typKey`). */
  readonly typ: string;
  readonly typKey: string;
  /** The app's own: only its tokens are checked against the store, renewed, refreshed or revoked. */
  readonly own: boolean;
  readonly keysOutage: Outage | undefined;
  /** Hears the keys its provider leaves out of a fetched set. */
  readonly report: ((event: KeySkippedEvent) => void) | undefined;
}

/** The issuers an `Auth` takes besides its own, by their exact `iss`; `undefined` when there are none. */
export type OtherIssuers = ReadonlyMap<string, Trust> | undefined;

/** A payload read to route its token: nothing in it is trusted until the signature has verified. */
export interface RoutedPayload {
  readonly text: string;
  readonly claims: Record<string, unknown>;
}

const issuerRefused = (): AuthError => new AuthError('ERR_CLAIM_INVALID', { claim: 'iss' });

/**
 * Whose keys and rules apply to `jws`, read from its payload before any key is asked: the `iss` it
 * claims only picks them. The signature is then checked with those keys alone, and `iss` again with the
 * claims, so no issuer's key ever verifies a token that claims another. An `iss` that is no string, or
 * that names no issuer taken (compared exactly, looked up as data), is refused before any key is asked.
 */
export function routeByIssuer(
  jws: CompactJws,
  own: Trust,
  others: ReadonlyMap<string, Trust>,
): { readonly trust: Trust; readonly payload: RoutedPayload } {
  const text = decodePayloadText(jws);
  const claims = parseJsonObject(text);
  const iss = Object.hasOwn(claims, 'iss') ? claims.iss : undefined;
  if (typeof iss !== 'string') throw issuerRefused();
  // The app's own issuer is its own key's alone; without a key of its own it has no issuer.
  const trust = iss === own.issuer ? own : others.get(iss);
  if (trust === undefined) throw issuerRefused();
  return { trust, payload: { text, claims } };
}

/**
 * Whether verified `claims` are the app's own: every token when it takes no other issuer, else those
 * of its own issuer (a token is verified by the keys of the issuer it claims, so `iss` says whose it is).
 */
export const isOwnToken = (
  o: { readonly otherIssuers: OtherIssuers; readonly claimRules: Pick<ClaimRules, 'issuer'> },
  claims: Claims,
): boolean => o.otherIssuers === undefined || claims.iss === o.claimRules.issuer;

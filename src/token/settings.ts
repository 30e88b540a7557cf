import type { EventSink } from '../events.js';
import type { ClaimRules, Claims } from '../jws/claims.js';
import type { KeyProvider, MaybePromise } from '../keys/provider.js';
import type { Outage } from '../outage.js';
import type { StoreSettings } from '../stores/settings.js';
import type { TokenCacheOptions } from './cache.js';
import type { OtherIssuers } from './trust.js';

/** What `issue` reads: the registered claims it sets. */
export interface IssueSettings {
  readonly issuer: string | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly subject: string | undefined;
  /** Seconds. */
  readonly expiresIn: number;
  /** The clock, in milliseconds. */
  readonly now: () => number;
}

/** What verification reads: the key, the format's limits, the claim rules, then the app's and the store's word. */
export interface VerifySettings<C extends Claims> extends StoreSettings {
  /** The app's own keys and rules: its own tokens', and its refresh tokens'. */
  readonly provider: KeyProvider;
  readonly claimRules: ClaimRules;
  /** The issuers taken besides the app's own (`issuers`), each with its keys and rules. */
  readonly otherIssuers: OtherIssuers;
  /** The `typ` option, as given and as compared (`typKey`). */
  readonly typ: string;
  readonly typKey: string;
  readonly now: () => number;
  readonly maxTokenBytes: number;
  /** The verified-token cache's bounds, or `undefined` when `cache: false`. */
  readonly cache: TokenCacheOptions | undefined;
  readonly isRevoked: ((claims: C) => MaybePromise<boolean>) | undefined;
  /** For a key provider's own events (a key left out of a fetched set). */
  readonly emit: EventSink | undefined;
  readonly keysOutage: Outage | undefined;
}

/** What signing and verifying under one set of options read: `createTokens`'s settings. */
export interface TokenSettings<C extends Claims> extends IssueSettings, VerifySettings<C> {}

import type { ResolvedCsrf } from '../authentication/csrf.js';
import type { CookieSettings } from '../cookies/settings.js';
import type { EventSink, RefusalReporter } from '../events.js';
import type { ClaimRules } from '../jws/claims.js';
import type { StoreSettings } from '../stores/settings.js';
import type { OtherIssuers } from '../token/trust.js';
import type { ResolvedRefresh } from './refresh.js';
import type { ResolvedRenew } from './renew.js';

/** What the session lifecycle reads: sign-in, renewal, refresh, sign-out and revocation. */
export interface SessionSettings extends StoreSettings, CookieSettings {
  /** The access tokens' lifetime, in seconds. */
  readonly expiresIn: number;
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** For how long entries must last: `clockTolerance`, `requireExp`, `maxTokenAge`. */
  readonly claimRules: ClaimRules;
  /** Other issuers' tokens verify but are never renewed, refreshed, revoked or signed out through the store. */
  readonly otherIssuers: OtherIssuers;
  readonly realm: string;
  readonly emit: EventSink | undefined;
  /** Reports a refusal with what the request tells, when there is a listener. */
  readonly refused: RefusalReporter | undefined;
  readonly csrf: ResolvedCsrf | undefined;
  readonly renew: ResolvedRenew | undefined;
  readonly refresh: ResolvedRefresh | undefined;
}

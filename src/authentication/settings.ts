import type { ResolvedCookie } from '../cookies/cookie.js';
import type { Claims } from '../jws/claims.js';
import type { MaybePromise } from '../keys/provider.js';
import type { ResolvedCsrf } from './csrf.js';
import type { FoundToken, TokenSources } from './request.js';

/** What authenticating a request reads, besides the tokens it verifies. */
export interface AuthenticationSettings<U, C extends Claims> {
  /** Where the built-in extraction looks. */
  readonly sources: TokenSources;
  /** The app's own extraction, one of the sources; it receives the framework's own request. */
  readonly getToken: ((request: unknown) => MaybePromise<string | FoundToken | null | undefined>) | undefined;
  /** The session cookie's name, to tell a cookie getToken picked from a planted one. */
  readonly cookie: Pick<ResolvedCookie, 'name'> | undefined;
  readonly user: ((claims: C) => MaybePromise<U | null | undefined | false>) | undefined;
  readonly csrf: ResolvedCsrf | undefined;
  /** The access tokens' `typ`, as compared. */
  readonly typKey: string;
}

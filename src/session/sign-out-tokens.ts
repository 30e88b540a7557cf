import type { Authentication } from '../authentication/authenticate.js';
import { checkCsrf, type ResolvedCsrf } from '../authentication/csrf.js';
import { cookieValues } from '../authentication/headers.js';
import type { FoundToken, RequestLike } from '../authentication/request.js';
import { isAuthError } from '../errors.js';
import { asPromise } from '../promise.js';
import type { Claims } from '../jws/claims.js';
import { REFRESH_TYP } from '../token/claims-to-sign.js';
import type { Tokens } from '../token/tokens.js';
import type { SessionSettings } from './settings.js';

/** A verified token a sign-out ends. */
export interface EndingToken {
  readonly claims: Claims;
  /** A refresh token: its `exp` is the login's end. */
  readonly refresh: boolean;
}

/** How sign-out reads the request's access tokens. */
export type AccessReader<C extends Claims> = Pick<
  Authentication<unknown, C>,
  'requestTokens' | 'verifyAccess'
>;

interface Verified {
  readonly claims: Claims;
  readonly refresh: boolean;
  /** Carried by a cookie (or by getToken as one): the CSRF checks apply. */
  readonly ambient: boolean;
}

// A verified token, or nothing: a forged, expired or revoked one ends nothing. An outage (the store, a
// key set, isRevoked) must not pass for a sign-out that ended something: only a refused token is passed over.
function verifiedOrNull(verifying: Promise<Claims>): Promise<Claims | undefined> {
  return verifying.catch((err: unknown) => {
    if (!isAuthError(err) || err.status >= 500) throw err;
    return undefined;
  });
}

async function accessTokens<C extends Claims>(
  reader: AccessReader<C>,
  req: RequestLike,
  request: unknown,
): Promise<Verified[]> {
  let found: readonly FoundToken[];
  try {
    found = await reader.requestTokens(req, request);
  } catch (err) {
    // A request whose token cannot even be read (getToken refused it, a malformed header) ends nothing.
    if (!isAuthError(err) || err.status >= 500) throw err;
    return [];
  }
  const verified = await Promise.all(found.map(({ token }) => verifiedOrNull(reader.verifyAccess(token))));
  return found.flatMap(({ source }, i) => {
    const claims = verified[i];
    return claims === undefined ? [] : [{ claims, refresh: false, ambient: source === 'cookie' }];
  });
}

async function refreshTokens<C extends Claims>(
  o: Pick<SessionSettings, 'refresh'>,
  tokens: Tokens<C>,
  req: RequestLike,
): Promise<Verified[]> {
  if (o.refresh === undefined) return [];
  const values = cookieValues(req.headers.cookie, o.refresh.cookie.name).filter((value) => value !== '');
  const verified = await Promise.all(
    values.map((value) => verifiedOrNull(asPromise(tokens.verifyFromStore, value, REFRESH_TYP))),
  );
  return verified.flatMap((claims) =>
    claims === undefined ? [] : [{ claims, refresh: true, ambient: true }],
  );
}

/**
 * Every verified token of the request's logins: its access tokens (`given`, as a guard found them, or
 * read from the request) and every refresh cookie. A name sent twice is a cookie planted beside the
 * browser's own (cookie tossing): ending them all means a planted one cannot shield the real login.
 * Throws `ERR_CSRF` when cookie-borne tokens were verified but the request passes the CSRF checks for
 * none of them (the double-submit header must repeat one of theirs): never a 204 that left them alive.
 */
export async function tokensToEnd<C extends Claims>(
  o: Pick<SessionSettings, 'refresh' | 'csrf'>,
  tokens: Tokens<C>,
  reader: AccessReader<C>,
  req: RequestLike,
  given: Claims | undefined,
  request?: unknown,
): Promise<EndingToken[]> {
  // Both reads go out together: one round trip, whatever there is to end.
  const [access, refresh] = await Promise.all([
    given === undefined
      ? accessTokens(reader, req, request)
      : [{ claims: given, refresh: false, ambient: false }],
    refreshTokens(o, tokens, req),
  ]);
  const all = [...access, ...refresh];
  checkAny(
    req,
    o.csrf,
    all.filter((t) => t.ambient),
  );
  return all.map(({ claims, refresh: isRefresh }) => ({ claims, refresh: isRefresh }));
}

// The origin half of the check is the request's; the double-submit half passes when the header repeats
// the value of any of them: the page's own login is among them, whatever else was planted beside it.
// When none passes, the last one's refusal is thrown.
function checkAny(req: RequestLike, csrf: ResolvedCsrf | undefined, ambient: readonly Verified[]): void {
  const last = ambient.at(-1);
  if (last === undefined) return;
  const passes = ({ claims }: Verified): boolean => {
    try {
      checkCsrf(req, claims, csrf);
      return true;
    } catch {
      return false;
    }
  };
  if (!ambient.slice(0, -1).some(passes)) checkCsrf(req, last.claims, csrf);
}

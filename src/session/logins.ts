import { AuthError } from '../errors.js';
import { subjectOf, type Claims } from '../jws/claims.js';
import { loginId, loginOf } from '../jws/login-id.js';
import { storeAnswer, storeWrite } from '../stores/store-check.js';
import { isOwnToken } from '../token/trust.js';
import type { Authenticated } from '../authentication/authenticate.js';
import {
  loginStore,
  type LoginMeta,
  type LoginStore,
  type NewLogin,
  type SessionStore,
} from '../stores/store.js';
import { loginSpan, skewMargin } from './login.js';
import type { SessionSettings } from './settings.js';

/** A live login of a user ("Your sessions"), as `auth.logins` lists it. Times are NumericDate seconds. */
export interface Login {
  /** Its id, the `sid` of its tokens: what `auth.endLogin` takes. */
  readonly sid: string;
  readonly signedInAt: number;
  /** Its sign-in, last refresh or last renewal, when tokens were issued to it; requests do not move it. */
  readonly lastActiveAt: number;
  /** Its last second: no token of it is valid after it. */
  readonly endsAt: number;
  /** What the app attached at sign-in (`meta`). */
  readonly meta: LoginMeta;
  /** Whether it is the login named by `current`: the request's own. */
  readonly current: boolean;
}

/** What `auth.logins` takes besides the subject. */
export interface LoginsOptions {
  /** The request's `sid` (`claims.sid`): that login is marked `current`. */
  readonly current?: string | undefined;
  /**
   * The request's session, as its guard found it: its `sid` is marked `current`, and a session of
   * another issuer (of `issuers`) has no logins here: its user "42" is not the app's user "42".
   */
  readonly session?: Authenticated<unknown> | undefined;
}

type LoginSettings = Pick<
  SessionSettings,
  'store' | 'storeOutage' | 'now' | 'expiresIn' | 'refresh' | 'renew' | 'claimRules' | 'emit' | 'otherIssuers'
>;

function subjectArg(sub: unknown, feature: string): string {
  if (typeof sub !== 'string' || sub === '') throw new TypeError(`jwt-gate: ${feature} needs a subject`);
  return sub;
}

/** Ends the login `sid` of `sub` through the revocation every sign-out writes, until its last token is gone. */
export function endLoginById(
  o: LoginSettings,
  store: SessionStore,
  sub: string | undefined,
  sid: string,
  signedInAt?: number,
): Promise<void> {
  const end = loginOf(sid)?.end ?? Infinity;
  // Options may have lengthened logins since it signed in: the longer of the two.
  const since = signedInAt === undefined ? -Infinity : signedInAt + loginSpan(o);
  return storeWrite(
    () => store.revoke(`sid:${sid}`, Math.max(end, since) + skewMargin(o), sub),
    o.storeOutage,
  );
}

/** `sub`'s live logins, newest first, `current` marked. */
export async function listLogins(
  o: LoginSettings,
  sub: string,
  options: LoginsOptions = {},
): Promise<Login[]> {
  const store = loginStore(o.store, 'auth.logins');
  subjectArg(sub, 'auth.logins');
  const { session } = options;
  if (session !== undefined && !isOwnToken(o, session.claims)) return [];
  const current =
    options.current ?? (typeof session?.claims.sid === 'string' ? session.claims.sid : undefined);
  const stored = await storeAnswer(() => store.logins(sub), o.storeOutage);
  const list: Login[] = [];
  for (const { sid, signedInAt, lastActiveAt, meta } of stored) {
    const endsAt = loginOf(sid)?.end;
    if (endsAt !== undefined)
      list.push({ sid, signedInAt, lastActiveAt, endsAt, meta, current: sid === current });
  }
  return list.sort((a, b) => b.signedInAt - a.signedInAt || (a.sid < b.sid ? -1 : 1));
}

/**
 * Ends one live login of `sub` by its `sid`: true when it did; false when `sub` has no such live login
 * (ended already, expired, another user's, or no sid at all), which writes nothing.
 */
export async function endLogin(o: LoginSettings, sub: string, sid: unknown): Promise<boolean> {
  const store = loginStore(o.store, 'auth.endLogin');
  subjectArg(sub, 'auth.endLogin');
  // Only a sid sign-in makes can have a record: any other value is no one's login, and costs no round trip.
  if (typeof sid !== 'string' || loginOf(sid)?.generation === undefined) return false;
  // Ended only when it is one of `sub`'s: a sid another user's page shows is refused, not ended.
  const login = (await storeAnswer(() => store.logins(sub), o.storeOutage)).find((l) => l.sid === sid);
  if (login === undefined) return false;
  await endLoginById(o, store, sub, sid, login.signedInAt);
  o.emit?.({ type: 'signed-out', sub, everywhere: false });
  return true;
}

// Sign-ins racing for the last places of one user: each ends the idlest and asks again, this often.
const ATTEMPTS = 5;

/**
 * Sign-in's record of a new login, read with `sub`'s generation in one step; answers its sid and the
 * store's floor. Past the store's limit of live logins, the idlest are ended first: a login nobody can
 * see in the list is one nobody can end, so the limit is never passed, and a sign-in that still finds no
 * place after a few rounds (a storm of them for one user) is refused as the store's outage (503).
 */
export async function recordLogin(
  o: LoginSettings,
  store: SessionStore & LoginStore,
  sub: string,
  login: NewLogin,
): Promise<{ readonly sid: string; readonly floor: number | undefined }> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const added = await storeAnswer(() => store.addLogin(sub, login), o.storeOutage);
    if ('full' in added) {
      const ending = added.full.filter((sid) => typeof sid === 'string');
      await Promise.all(ending.map((sid) => endLoginById(o, store, sub, sid)));
      continue;
    }
    if (typeof added.generation !== 'number') break;
    return { sid: loginId(login.id, login.end, added.generation), floor: added.floor };
  }
  throw new AuthError('ERR_STORE_UNAVAILABLE', {
    cause: new Error(`jwt-gate: no place for a new login of this subject after ${ATTEMPTS} attempts`),
  });
}

/**
 * A refresh's or a renewal's mark on its login's record, sent beside the check those make anyway (one
 * round trip). Bookkeeping only: a store that fails it leaves the list a time behind, never the session.
 */
export async function touchLogin(o: Pick<SessionSettings, 'store' | 'now'>, claims: Claims): Promise<void> {
  const { store } = o;
  const sub = subjectOf(claims);
  if (store?.touchLogin === undefined || typeof claims.sid !== 'string' || sub === undefined || sub === '')
    return;
  try {
    await store.touchLogin(sub, claims.sid, Math.floor(o.now() / 1000));
  } catch {
    // The check beside it reports an outage.
  }
}

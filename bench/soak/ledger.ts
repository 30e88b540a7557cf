import { claimsOf } from './http.js';

/** A 2xx answer to a token of a login that some revocation may cover: judged once that revocation is settled. */
export interface Accept {
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly process: number;
  readonly route: 'GET /me' | 'POST /auth/refresh';
  /** The token presented: the access token, or the refresh token. */
  readonly token: string;
}

/** One sign-in and every token it led to (refreshes keep its `sid`). */
export interface Login {
  readonly sid: string;
  readonly sub: string;
  readonly signInSentAt: number;
  readonly signedInAt: number;
  /** The latest tokens of the login. */
  access: string;
  refresh: string;
  /** Monotonic ms at which Redis held a revocation of this login, first; and what told. */
  heldAt: number | undefined;
  heldBy: string | undefined;
  /** Every such moment (bounded): a restart may have wiped the first, not a later one. */
  readonly helds: { at: number; by: string }[];
  /** A revocation of it was sent (answered or not): a refusal is then no wrong refusal. */
  attempted: boolean;
  /** Revocations that answered 503, whose landing is being polled. */
  polling: number;
  /** Accepts waiting for a polled revocation to settle (bounded). */
  readonly waiting: Accept[];
}

const MAX_WAITING = 100;
const MAX_HELDS = 16;

/**
 * What the soak knows about its logins, by the orchestrator's monotonic clock: when each was signed in,
 * when Redis held a revocation of it (an acknowledged sign-out or log-out-everywhere, a reuse detected,
 * or a revocation that answered 503 but was then seen held), and how often each refresh token was spent.
 */
// docs/many-instances.md, "A near cache in every process": a write reaches Redis up to 10 s after its log entry, or never.
const LATE_WRITE_MS = 10_000;

export class Ledger {
  readonly #logins = new Map<string, Login>();
  readonly #bySub = new Map<string, Set<Login>>();
  /** Per refresh token (`jti`): successful refreshes, and when the first and the latest answered. */
  readonly #spends = new Map<string, { count: number; firstAt: number; latestAt: number; end: number }>();
  readonly #lifeMs: number;
  /**
   * Per subject: until when a log-out-everywhere that did not answer 204 may still land (docs/many-instances.md: a write
   * reaches Redis up to 10 s after its log entry, or never), and so cut a login made meanwhile.
   */
  readonly #pendingCuts = new Map<string, number>();

  /** `lifeMs`: how long after sign-in a login's tokens can still be used (then it is forgotten). */
  constructor(lifeMs: number) {
    this.#lifeMs = lifeMs;
  }

  signedIn(access: string, refresh: string, sentAt: number, answeredAt: number): Login {
    const { sid, sub } = claimsOf(access);
    const login: Login = {
      sid,
      sub,
      signInSentAt: sentAt,
      signedInAt: answeredAt,
      access,
      refresh,
      heldAt: undefined,
      heldBy: undefined,
      helds: [],
      // A log-out-everywhere that answered 503 may still land and end this login: it was tried.
      attempted: sentAt < (this.#pendingCuts.get(sub) ?? -Infinity),
      polling: 0,
      waiting: [],
    };
    this.#logins.set(sid, login);
    let logins = this.#bySub.get(sub);
    if (logins === undefined) this.#bySub.set(sub, (logins = new Set()));
    logins.add(login);
    return login;
  }

  /** The login a token belongs to. */
  loginOf(token: string): Login | undefined {
    return this.#logins.get(claimsOf(token).sid);
  }

  /** Redis held a revocation of `login` at `at` (the earliest such moment is `heldAt`). */
  held(login: Login, at: number, by: string): void {
    if (login.helds.length < MAX_HELDS) login.helds.push({ at, by });
    if (login.heldAt === undefined || at < login.heldAt) {
      login.heldAt = at;
      login.heldBy = by;
    }
  }

  /**
   * A log-out-everywhere of `sub` sent at `sentAt`, answered at `answeredAt`: it may cover every login
   * whose sign-in was sent before it answered; it must cover those signed in before it was sent.
   * `heldAt`: when Redis held it (its 204, or a later poll), if known. Returns the logins it must cover.
   */
  everywhere(sub: string, sentAt: number, answeredAt: number, heldAt: number | undefined): Login[] {
    if (heldAt === undefined)
      this.#pendingCuts.set(sub, Math.max(this.#pendingCuts.get(sub) ?? -Infinity, sentAt + LATE_WRITE_MS));
    const covered: Login[] = [];
    for (const login of this.#bySub.get(sub) ?? []) {
      if (login.signInSentAt < answeredAt) login.attempted = true;
      if (login.signedInAt < sentAt) {
        covered.push(login);
        if (heldAt !== undefined) this.held(login, heldAt, 'log-out-everywhere');
      }
    }
    return covered;
  }

  /** A refresh with `refresh` answered 204 at `at`: how many times that token has now been spent. */
  /** `lastAt`: when the spend before this one answered (undefined for the first). */
  spent(refresh: string, at: number): { count: number; firstAt: number; lastAt: number | undefined } {
    const { jti } = claimsOf(refresh);
    const spend = this.#spends.get(jti) ?? { count: 0, firstAt: at, latestAt: at, end: at + this.#lifeMs };
    const lastAt = spend.count > 0 ? spend.latestAt : undefined;
    spend.count++;
    spend.latestAt = at;
    this.#spends.set(jti, spend);
    return { count: spend.count, firstAt: spend.firstAt, lastAt };
  }

  /** Whether a refresh with this token has succeeded before. */
  wasSpent(refresh: string): boolean {
    return this.#spends.has(claimsOf(refresh).jti);
  }

  /** A 2xx to judge when the polled revocations of `login` settle; false when there are none. */
  wait(login: Login, accept: Accept): boolean {
    if (login.polling === 0) return false;
    if (login.waiting.length < MAX_WAITING) login.waiting.push(accept);
    return true;
  }

  /** Forgets logins (and spends) whose tokens have all expired by `now`: the ledger stays bounded. */
  retire(now: number): void {
    for (const [sid, login] of this.#logins) {
      if (now - login.signedInAt < this.#lifeMs) continue;
      this.#logins.delete(sid);
      const logins = this.#bySub.get(login.sub);
      logins?.delete(login);
      if (logins?.size === 0) this.#bySub.delete(login.sub);
    }
    for (const [jti, spend] of this.#spends) if (spend.end < now) this.#spends.delete(jti);
  }
}

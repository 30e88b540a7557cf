import type { Crash } from './apps.js';
import {
  addFinding,
  CLASSES,
  emptyTally,
  type Class,
  type Finding,
  type FindingGroup,
  type Tally,
} from './findings.js';
import { claimsOf, type Answer } from './http.js';
import type { Accept, Ledger, Login } from './ledger.js';
import type { Timeline } from './timeline.js';

/** Whether Redis itself (nearCache off, the true clock) refuses a token (`login`: its whole login); undefined when it could not say. */
export type HeldCheck = (token: string, login: boolean) => Promise<boolean | undefined>;

/**
 * The invariant checker of one client group: counts answers per phase and judges every 2xx to a
 * token of a revoked login against the moment Redis held the revocation, plus `boundMs`
 * (`staleness` and a margin). Times are the orchestrator's one monotonic clock: a request's sending
 * is taken before any app process sees it, and an acknowledgement's arrival after Redis held the
 * write, so both ends err towards "not late".
 */
export class Checker {
  readonly tallies = new Map<string, Tally>();
  readonly findings = new Map<string, FindingGroup>();
  readonly #timeline: Timeline;
  readonly #ledger: Ledger;
  readonly #boundMs: number;
  readonly #held: HeldCheck;
  readonly #checks = new Map<string, { at: number; answer: Promise<boolean | undefined> }>();
  readonly #pending = new Set<Promise<void>>();

  constructor(timeline: Timeline, ledger: Ledger, boundMs: number, held: HeldCheck) {
    this.#timeline = timeline;
    this.#ledger = ledger;
    this.#boundMs = boundMs;
    this.#held = held;
  }

  #tally(phase: string): Tally {
    let tally = this.tallies.get(phase);
    if (tally === undefined) this.tallies.set(phase, (tally = emptyTally()));
    return tally;
  }

  #find(f: Finding): void {
    addFinding(this.findings, f);
  }

  /** Every answer: requests, 503s, other 5xx (a finding) and requests that got no answer, per phase. */
  count(answer: Answer, route: string): void {
    const phase = this.#timeline.phaseAt(answer.sentAt);
    const tally = this.#tally(phase);
    tally.requests++;
    if (answer.status === 503) tally.unavailable++;
    else if (answer.status === 0) tally.noAnswer++;
    else if (answer.status >= 500) {
      tally.serverErrors++;
      this.#find({ invariant: '5xx', phase, route, detail: `${answer.status} ${answer.code ?? ''}` });
    }
  }

  /** A 2xx to a token of `login`: judged now (the promise settles once Redis has been asked), or once a polled revocation settles. */
  accepted(login: Login, accept: Accept): Promise<void> {
    if (login.heldAt === undefined && this.#ledger.wait(login, accept)) return Promise.resolve();
    return this.#judge(login, accept);
  }

  /** A polled revocation of `login` settled: judge what waited for it. */
  settled(login: Login): void {
    if (login.polling > 0) return;
    for (const accept of login.waiting.splice(0)) void this.#judge(login, accept);
  }

  // Resolves once judged: a late accept is classified by asking Redis, which takes a round trip.
  // A revocation that a restart wiped before the accept was answered excuses it only when every one
  // held before the accept was wiped: Redis, asked later, may refuse the token for a later one.
  #judge(login: Login, accept: Accept): Promise<void> {
    const due = login.helds.filter(({ at }) => accept.sentAt > at + this.#boundMs);
    if (due.length === 0) return Promise.resolve();
    const kept = due.filter(({ at }) => !this.#timeline.restartBetween(at, accept.answeredAt, login.sub));
    const { at: heldAt, by } = (kept.length > 0 ? kept : due).reduce((a, b) => (b.at < a.at ? b : a));
    const phase = this.#timeline.phaseAt(heldAt);
    const found = kept.length > 0 ? this.#classify(accept, login.sub) : Promise.resolve(CLASSES.lost);
    const work = found.then((cls) => {
      const tally = this.#tally(phase);
      const delayMs = accept.sentAt - heldAt;
      if (cls === CLASSES.lost) tally.lost++;
      else {
        tally.revokedAccepted++;
        tally.worstDelayMs = Math.max(tally.worstDelayMs, delayMs);
      }
      this.#find({
        invariant: 'revoked token accepted',
        class: cls,
        phase,
        acceptPhase: this.#timeline.phaseAt(accept.sentAt),
        process: accept.process,
        route: accept.route,
        delayMs,
        detail: `revoked by ${by}`,
        sentAt: accept.sentAt,
        heldAt,
      });
    });
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
    return work;
  }

  // Redis asked about a token once a second at most: a burst of late accepts shares one check. A node
  // that lost its data after the accept, before the check, cannot tell what it held.
  async #classify(accept: Accept, sub: string): Promise<Class> {
    let check = this.#checks.get(accept.token);
    if (check === undefined || performance.now() - check.at > 1000) {
      if (this.#checks.size > 1000)
        for (const [key, old] of this.#checks)
          if (performance.now() - old.at > 1000) this.#checks.delete(key);
      check = { at: performance.now(), answer: this.#askRedis(accept) };
      this.#checks.set(accept.token, check);
    }
    const held = await check.answer;
    if (held === true) return CLASSES.held;
    if (held === false && !this.#timeline.restartBetween(accept.answeredAt, performance.now(), sub))
      return CLASSES.notHeld;
    return CLASSES.unknown;
  }

  // Three tries: the node of the subject may be the one restarting.
  async #askRedis(accept: Accept): Promise<boolean | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await this.#held(accept.token, accept.route === 'POST /auth/refresh');
      if (held !== undefined) return held;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return undefined;
  }

  /**
   * A refresh answered 204: a refresh token spent twice is a finding, unless a restart lost the spend
   * before it (and so every earlier one).
   */
  refreshed(oldRefresh: string, answer: Answer, process: number): void {
    const spend = this.#ledger.spent(oldRefresh, answer.answeredAt);
    if (spend.lastAt === undefined) return;
    const phase = this.#timeline.phaseAt(spend.firstAt);
    const lost = this.#timeline.restartBetween(spend.lastAt, answer.answeredAt, claimsOf(oldRefresh).sub);
    if (lost) this.#tally(phase).lost++;
    else this.#tally(phase).refreshTwice++;
    this.#find({
      invariant: 'refresh token used twice',
      ...(lost ? { class: CLASSES.lost } : {}),
      phase,
      acceptPhase: this.#timeline.phaseAt(answer.sentAt),
      process,
      delayMs: answer.sentAt - spend.firstAt,
    });
  }

  /** ERR_TOKEN_REVOKED for a token of a login nobody tried to revoke. */
  refused(login: Login, answer: Answer, route: string, process: number): void {
    if (login.attempted || answer.code !== 'ERR_TOKEN_REVOKED') return;
    const phase = this.#timeline.phaseAt(answer.sentAt);
    this.#tally(phase).freshRefused++;
    this.#find({
      invariant: 'fresh login refused',
      phase,
      process,
      route,
      delayMs: answer.sentAt - login.signedInAt,
      detail: 'ms after its sign-in',
    });
  }

  crashed(crash: Crash): void {
    const phase = this.#timeline.phaseAt(crash.at);
    this.#tally(phase).crashes++;
    this.#find({
      invariant: 'crash',
      phase,
      process: crash.process,
      detail: `${crash.how}: ${crash.stderr.split('\n').slice(-6).join(' | ')}`,
    });
  }

  /** Waits for the classifications still asking Redis. */
  async done(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}

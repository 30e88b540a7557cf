import type { Login } from './ledger.js';
import { acceptOf, pollHeld, prober, send, type Traffic } from './probes.js';

/** How a virtual user spends its steps: verifications between the writes that churn the logins. */
export interface LoadShape {
  readonly users: number;
  /** Verifications (GET /me) per step. */
  readonly verifications: number;
}

// The chance, per step, of each write after the verifications; a refresh is followed by presenting the
// spent token again in one case of five.
const WRITES = [
  ['refresh', 0.15],
  ['race', 0.03],
  ['sign-out', 0.1],
  ['everywhere', 0.03],
] as const;
const REUSE = 0.2;
const DEVICES = 2;
// A user signs in this many times, then the next user takes over: no subject piles up revocations
// (a store may bound what one subject keeps, and refuse more to that subject alone).
const LOGINS_PER_SUBJECT = 12;

function choose(roll: number): (typeof WRITES)[number][0] | undefined {
  for (const [write, chance] of WRITES) {
    if (roll < chance) return write;
    roll -= chance;
  }
  return undefined;
}

/**
 * Virtual users of one client group, each its own subject with up to two logins ("devices"):
 * sign-in, verifications, refresh, two refreshes at once, a spent refresh token presented again,
 * sign-out and log-out-everywhere, each on a random process. Revoked logins go to the prober.
 */
export function startLoad(t: Traffic, shape: LoadShape, group: string): { stop(): Promise<void> } {
  const probes = prober(t);
  const polls = new Set<Promise<void>>();
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  async function signIn(sub: string): Promise<Login | undefined> {
    const answer = await send(t, { method: 'POST', path: '/login', json: { sub } });
    const access = answer.cookies.get('jwt');
    const refresh = answer.cookies.get('jwt-refresh');
    if (answer.status !== 204 || access === undefined || refresh === undefined) return undefined;
    return t.ledger.signedIn(access, refresh, answer.sentAt, answer.answeredAt);
  }

  // Whether the login is still usable after one verification.
  async function verify(login: Login): Promise<boolean> {
    const answer = await send(t, { method: 'GET', path: '/me', bearer: login.access });
    if (answer.status === 200) void t.checker.accepted(login, acceptOf(answer, 'GET /me', login.access));
    else if (answer.status === 401) t.checker.refused(login, answer, 'GET /me', answer.process);
    return answer.status === 200 || answer.status === 503 || answer.status === 0;
  }

  async function refresh(login: Login): Promise<boolean> {
    const old = login.refresh;
    const answer = await send(t, { method: 'POST', path: '/auth/refresh', cookies: { 'jwt-refresh': old } });
    if (answer.status !== 204) {
      if (answer.status === 401) t.checker.refused(login, answer, 'POST /auth/refresh', answer.process);
      // After a 503 the spend may have landed: a second try would be a reuse. This user signs in again.
      return false;
    }
    t.checker.refreshed(old, answer, answer.process);
    void t.checker.accepted(login, acceptOf(answer, 'POST /auth/refresh', old));
    login.access = answer.cookies.get('jwt') ?? login.access;
    login.refresh = answer.cookies.get('jwt-refresh') ?? login.refresh;
    if (t.random() < REUSE) await reuse(login, old);
    return !login.attempted;
  }

  // Presents a spent refresh token again: reuse detection must end the login (401), never refresh it.
  async function reuse(login: Login, spent: string): Promise<void> {
    login.attempted = true;
    const answer = await send(t, {
      method: 'POST',
      path: '/auth/refresh',
      cookies: { 'jwt-refresh': spent },
    });
    if (answer.status === 204) t.checker.refreshed(spent, answer, answer.process);
    if (answer.status === 401 && answer.code === 'ERR_TOKEN_REVOKED')
      t.ledger.held(login, answer.answeredAt, 'reuse detected');
    // The spent token is tried again later too: after a failover it must still be spent.
    probes.probe(login, spent);
  }

  // Two refreshes with one token at once, on two processes: at most one may succeed.
  async function race(login: Login): Promise<void> {
    login.attempted = true;
    const old = login.refresh;
    const both = await Promise.all(
      [0, 1].map(() => send(t, { method: 'POST', path: '/auth/refresh', cookies: { 'jwt-refresh': old } })),
    );
    for (const answer of both) {
      if (answer.status === 204) {
        t.checker.refreshed(old, answer, answer.process);
        login.access = answer.cookies.get('jwt') ?? login.access;
        login.refresh = answer.cookies.get('jwt-refresh') ?? login.refresh;
      } else if (answer.status === 401 && answer.code === 'ERR_TOKEN_REVOKED' && t.ledger.wasSpent(old))
        t.ledger.held(login, answer.answeredAt, 'reuse detected');
    }
    probes.probe(login, old);
  }

  async function signOut(login: Login, logins: Login[], everywhere: boolean): Promise<void> {
    for (const l of everywhere ? logins : [login]) l.attempted = true;
    const path = everywhere ? '/auth/logout-everywhere' : '/auth/logout';
    const cookies = { jwt: login.access, 'jwt-refresh': login.refresh };
    const answer = await send(t, { method: 'POST', path, cookies });
    const ok = answer.status === 204;
    const by = everywhere ? 'log-out-everywhere' : 'sign-out';
    const covered = everywhere
      ? t.ledger.everywhere(login.sub, answer.sentAt, answer.answeredAt, ok ? answer.answeredAt : undefined)
      : [login];
    if (ok && !everywhere) t.ledger.held(login, answer.answeredAt, by);
    // It may have landed all the same, in part: watch Redis for each login it should have ended, and
    // judge what was accepted meanwhile once known.
    if (!ok)
      for (const l of covered.filter((c) => c.heldAt === undefined)) {
        l.polling++;
        const poll = pollHeld(t, l).then((heldAt) => {
          if (heldAt !== undefined) t.ledger.held(l, heldAt, `${by} (${answer.status}, then held)`);
          l.polling--;
          t.checker.settled(l);
        });
        polls.add(poll);
        void poll.finally(() => polls.delete(poll));
      }
    // The user's own logins are tried again; older ones of the subject were when they ended.
    for (const l of everywhere ? logins : [login]) probes.probe(l);
  }

  // Each subject meets one log-out-everywhere at most, then goes on signing in (a login right after it
  // must work); the next one starts on a new subject. So a later log-out-everywhere never blurs what
  // Redis says about the logins an earlier one ended.
  async function user(n: number): Promise<void> {
    let generation = 0;
    let sub = `${group}-user-${n}.${generation}`;
    let endedEverywhere = false;
    let signIns = 0;
    let logins: Login[] = [];
    const nextSubject = (): void => {
      sub = `${group}-user-${n}.${++generation}`;
      endedEverywhere = false;
      signIns = 0;
      logins = [];
    };
    while (!t.stopped()) {
      if (logins.length < DEVICES) {
        if (signIns >= LOGINS_PER_SUBJECT) nextSubject();
        const login = await signIn(sub);
        signIns++;
        if (login === undefined) await sleep(50);
        else logins.push(login);
        continue;
      }
      const login = logins[Math.floor(t.random() * logins.length)]!;
      let usable = true;
      for (let i = 0; i < shape.verifications && usable; i++) usable = await verify(login);
      const write = choose(t.random());
      if (!usable) logins = logins.filter((l) => l !== login);
      else if (write === 'refresh') {
        if (!(await refresh(login))) logins = logins.filter((l) => l !== login);
      } else if (write === 'race') {
        await race(login);
        logins = logins.filter((l) => l !== login);
      } else if (write === 'sign-out') {
        await signOut(login, logins, false);
        logins = logins.filter((l) => l !== login);
      } else if (write === 'everywhere' && endedEverywhere) nextSubject();
      else if (write === 'everywhere') {
        await signOut(login, logins, true);
        endedEverywhere = true;
        logins = [];
      }
    }
  }

  const users = Array.from({ length: shape.users }, (_, n) => user(n));
  return {
    async stop() {
      await Promise.all(users);
      await Promise.all([probes.stop(), ...polls]);
    },
  };
}

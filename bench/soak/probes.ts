import type { AppGroup } from './apps.js';
import type { Checker } from './checker.js';
import type { Answer, Request, httpClient } from './http.js';
import type { Accept, Ledger, Login } from './ledger.js';

/** What the virtual users and the probes share: one client group's processes, HTTP, ledger and checker. */
export interface Traffic {
  readonly apps: AppGroup;
  readonly http: ReturnType<typeof httpClient>;
  readonly ledger: Ledger;
  readonly checker: Checker;
  readonly random: () => number;
  readonly stopped: () => boolean;
}

/** A random live process of the group, and its port; waits while every one is restarting. */
async function pickProcess(t: Traffic): Promise<{ process: number; port: number }> {
  for (;;) {
    const live = Array.from({ length: t.apps.size }, (_, i) => i).filter((i) => t.apps.port(i) !== undefined);
    const process = live[Math.floor(t.random() * live.length)];
    const port = process === undefined ? undefined : t.apps.port(process);
    if (process !== undefined && port !== undefined) return { process, port };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the checker keeps of a 2xx to a token. */
export const acceptOf = (
  answer: Answer & { process: number },
  route: Accept['route'],
  token: string,
): Accept => ({
  sentAt: answer.sentAt,
  answeredAt: answer.answeredAt,
  process: answer.process,
  route,
  token,
});

/** Sends a load request to a random process, and counts its answer. */
export async function send(t: Traffic, req: Request): Promise<Answer & { process: number }> {
  const { process, port } = await pickProcess(t);
  const answer = await t.http.send(port, req);
  t.checker.count(answer, `${req.method} ${req.path}`);
  return { ...answer, process };
}

/**
 * Whether Redis itself refuses `token` (`login`: its login as a whole, which a refresh token needs),
 * asked through a process's nearCache-off Auth; not counted as load.
 */
export async function heldByRedis(t: Traffic, token: string, login: boolean): Promise<boolean | undefined> {
  const { port } = await pickProcess(t);
  const path = login ? '/_soak/held?login=1' : '/_soak/held';
  const answer = await t.http.send(port, { method: 'GET', path, bearer: token });
  return answer.status === 200 ? answer.body?.held === true : undefined;
}

/** Whether a revocation of `login` that answered 503 landed all the same: polls Redis for up to 10 s. */
export async function pollHeld(t: Traffic, login: Login): Promise<number | undefined> {
  const until = performance.now() + 10_000;
  while (performance.now() < until && !t.stopped()) {
    if ((await heldByRedis(t, login.refresh, true)) === true) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** When revoked logins are tried again, in ms after their revocation; the refresh token at some of them. */
const PROBES_MS = [20, 120, 170, 300, 1000, 3000, 10_000, 30_000];
const REFRESH_PROBES_MS = new Set([300, 3000]);
const MAX_TIMERS = 20_000;

/** Tries a revoked login's tokens again at set delays, each on a random process, for the checker. */
export function prober(t: Traffic): { probe(login: Login, spent?: string): void; stop(): Promise<void> } {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const tryAgain = async (login: Login, access: string, refresh: string | undefined): Promise<void> => {
    const me = await send(t, { method: 'GET', path: '/me', bearer: access });
    // Judged before the refresh goes out: a refresh token spent twice revokes the login, and Redis
    // would then refuse the access token for that reason, not for the one being judged.
    if (me.status === 200) await t.checker.accepted(login, acceptOf(me, 'GET /me', access));
    if (refresh === undefined) return;
    const renewed = await send(t, {
      method: 'POST',
      path: '/auth/refresh',
      cookies: { 'jwt-refresh': refresh },
    });
    if (renewed.status !== 204) return;
    t.checker.refreshed(refresh, renewed, renewed.process);
    await t.checker.accepted(login, acceptOf(renewed, 'POST /auth/refresh', refresh));
  };
  return {
    /**
     * `spent`: a refresh token already spent, presented at some delays. Otherwise half the logins get
     * their latest refresh token presented: a refresh let through spends it, the next one is then a
     * reuse that revokes the login again, and the other half show how long a token stays accepted.
     */
    probe(login, spent) {
      const access = login.access;
      const refresh = spent ?? (t.random() < 0.5 ? login.refresh : undefined);
      for (const delay of PROBES_MS) {
        if (timers.size >= MAX_TIMERS) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (t.stopped()) return;
          const run = tryAgain(login, access, REFRESH_PROBES_MS.has(delay) ? refresh : undefined);
          running.add(run);
          void run.finally(() => running.delete(run));
        }, delay);
        timers.add(timer);
      }
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}

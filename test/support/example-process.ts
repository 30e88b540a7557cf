// An example app started as README says (`npm start`, `npm run start:koa`, ...), in a child process of its
// own on a free port, with its request log (EXAMPLE_LOG=requests) read from its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One line of the example's request log (examples/web.ts `logRequest`). */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly site: string | null;
  readonly origin: string | null;
  readonly cookies: readonly string[];
  readonly csrfHeader: boolean;
  readonly bearer: boolean;
}

export interface ExampleProcess {
  /** `http://127.0.0.1:<port>`, as the banner printed it. */
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  /** The requests logged so far, oldest first. */
  requests(): LoggedRequest[];
  /**
   * Waits, at most `timeoutMs` (default 10 s), for a request logged after the first `after` that
   * `matches`; throws naming what was logged.
   */
  waitForRequest(
    matches: (logged: LoggedRequest) => boolean,
    options?: { readonly after?: number; readonly timeoutMs?: number },
  ): Promise<LoggedRequest>;
  stop(): Promise<void>;
}

export type ExampleScript = 'start' | 'start:koa' | 'start:fastify';

/** Waits at most `ms` for `child` to exit; its exit code, or `undefined` when it is still running. */
export function exited(child: ChildProcess, ms: number): Promise<number | null | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs `npm run <script>` in a process group of its own, so that stopping it stops tsx and node too. */
export function spawnExample(script: ExampleScript, env: Record<string, string>): ChildProcess {
  return spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', NODE_ENV: 'development', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startExample(
  script: ExampleScript,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ExampleProcess> {
  const child = spawnExample(script, { PORT: '0', EXAMPLE_LOG: 'requests', ...env });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    if ((await exited(child, 5000)) === undefined) process.kill(-child.pid, 'SIGKILL');
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`npm run ${script} printed no URL within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    const look = (): void => {
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (found === undefined) return;
      clearTimeout(timer);
      resolve(found);
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run ${script} exited with ${code}:\n${out}\n${err}`));
    });
  });
  const requests = (): LoggedRequest[] =>
    [...out.matchAll(/^request (\{.*\})$/gm)].map((match) => JSON.parse(match[1]!) as LoggedRequest);
  return {
    url,
    child,
    stdout: () => out,
    requests,
    async waitForRequest(matches, { after = 0, timeoutMs: timeout = 10_000 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = requests().slice(after).find(matches);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no such request within ${timeout} ms; logged:\n${JSON.stringify(requests(), null, 1)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop,
  };
}

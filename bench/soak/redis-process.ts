import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

// One redis-server (or Sentinel) process of the soak, on a loopback port of 16000-19999: the store tests
// take 10000-16000 (Cluster nodes, Sentinels), 20000-25000 (Cluster buses) and 25000-32000, .ci/run 6390
// and 7101-7103 (buses 17101-17103), Linux's ephemeral ports start at 32768. A Cluster node's bus port is
// set with `cluster-port`, so it stays in this range too.
const FIRST_PORT = 16000;
const LAST_PORT = 19999;
const CI_BUSES = new Set([17101, 17102, 17103]);

const execute = promisify(execFile);

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(Boolean(socket.destroy())));
    socket.once('error', () => resolve(false));
  });

const taken = new Set<number>();
let next = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT));

/** A free loopback port of the soak's range, never handed out twice in one run. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < LAST_PORT - FIRST_PORT; tries++) {
    const port = next;
    next = next >= LAST_PORT ? FIRST_PORT : next + 1;
    if (!taken.has(port) && !CI_BUSES.has(port) && (await isFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('soak: no free port in 16000-19999');
}

/** `redis-cli -p port ...args`, its output without the trailing newline; fails after 3 s. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execute('redis-cli', ['-p', String(port), ...args], { timeout: 3000 });
  return stdout.trim();
}

/** One field of `INFO <section>`. */
export async function info(port: number, section: string, field: string): Promise<string | undefined> {
  const text = await cli(port, 'INFO', section);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

export async function waitFor(what: string, condition: () => Promise<boolean>, seconds = 20): Promise<void> {
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`soak: ${what} within ${seconds} s`);
}

export interface RedisProcess {
  readonly port: number;
  readonly name: string;
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT / SIGKILL; a no-op once it has exited. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, and waits until it has exited. */
  kill(): Promise<void>;
  /** Removes its data (RDB and AOF), keeping its configuration (a Cluster node keeps its nodes.conf). */
  forgetData(): void;
}

/**
 * A redis-server started from a configuration file of its own in `dir` (so Sentinel's CONFIG REWRITE
 * sticks across a restart), on `port`, with `lines` added; `sentinel` runs it as a Sentinel.
 */
export function redisProcess(
  root: string,
  name: string,
  port: number,
  lines: readonly string[],
  sentinel = false,
): RedisProcess {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...lines, ''].join('\n'));
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

  return {
    port,
    name,
    get pid() {
      return child?.pid;
    },
    async start() {
      const log = openSync(join(dir, 'redis.log'), 'a');
      const spawned = spawn('redis-server', sentinel ? [conf, '--sentinel'] : [conf], {
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      child = spawned;
      await waitFor(`${name} answering on port ${port}`, async () => {
        if (exited(spawned)) throw new Error(`soak: ${name} exited at start (see ${dir}/redis.log)`);
        return answers(port);
      });
      // Never run against another process that holds the port.
      if ((await info(port, 'server', 'process_id')) !== String(spawned.pid))
        throw new Error(`soak: port ${port} is held by another process`);
    },
    signal(signal) {
      if (child !== undefined && !exited(child)) child.kill(signal);
    },
    async kill() {
      const c = child;
      if (c === undefined || exited(c)) return;
      const gone = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await gone;
    },
    forgetData() {
      rmSync(join(dir, 'dump.rdb'), { force: true });
      rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
    },
  };
}

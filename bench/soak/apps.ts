import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AppMessage, AppSettings, ParentMessage } from './app.js';

const APP = fileURLToPath(new URL('./app.ts', import.meta.url));

export interface Crash {
  readonly process: number;
  /** Monotonic ms of the orchestrator. */
  readonly at: number;
  readonly how: string;
  /** The end of what it wrote to stderr. */
  readonly stderr: string;
}

/** App processes of one client on one set-up; one that exits unexpectedly is a crash, and is started again. */
export interface AppGroup {
  /** The port of process `i` now; `undefined` while it is (re)starting. */
  port(i: number): number | undefined;
  readonly size: number;
  readonly crashes: Crash[];
  /** Sets process `i`'s clock offset (ms) through its Auth's `now`. */
  setClock(i: number, offsetMs: number): void;
  stop(): Promise<void>;
}

function startOne(settings: AppSettings): {
  child: ChildProcess;
  ready: Promise<number>;
  stderr: () => string;
} {
  // On the sources through tsx, as the examples run: the root tsconfig maps 'jwt-gate' to src/.
  const child = fork(APP, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SOAK_APP: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const ready = new Promise<number>((resolve, reject) => {
    child.once('message', (message: AppMessage) => resolve(message.listening));
    child.once('exit', (code, signal) =>
      reject(new Error(`soak: an app process exited at start (${code ?? signal}):\n${tail}`)),
    );
  });
  return { child, ready, stderr: () => tail };
}

export async function startApps(settings: AppSettings, size: number): Promise<AppGroup> {
  const children: (ChildProcess | undefined)[] = [];
  const ports: (number | undefined)[] = [];
  const clocks: number[] = Array.from({ length: size }, () => 0);
  const crashes: Crash[] = [];
  let stopping = false;

  const launch = async (i: number): Promise<void> => {
    const { child, ready, stderr } = startOne(settings);
    children[i] = child;
    ports[i] = undefined;
    child.once('exit', (code, signal) => {
      if (stopping || children[i] !== child) return;
      crashes.push({ process: i, at: performance.now(), how: `exit ${code ?? signal}`, stderr: stderr() });
      children[i] = undefined;
      ports[i] = undefined;
      // Started again after a pause: one that cannot start (Redis down at its start) crashes again.
      setTimeout(() => void (stopping ? undefined : launch(i).catch(() => undefined)), 1000);
    });
    ports[i] = await ready;
    const clock = clocks[i] ?? 0;
    if (clock !== 0) child.send({ clock } satisfies ParentMessage);
  };
  const group: AppGroup = {
    size,
    crashes,
    port: (i) => ports[i],
    setClock(i, offsetMs) {
      clocks[i] = offsetMs;
      const child = children[i];
      if (child?.connected === true) child.send({ clock: offsetMs } satisfies ParentMessage);
    },
    async stop() {
      stopping = true;
      await Promise.all(
        children.map(async (child) => {
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await gone;
        }),
      );
    },
  };
  try {
    await Promise.all(Array.from({ length: size }, (_, i) => launch(i)));
  } catch (err) {
    await group.stop();
    throw err;
  }
  return group;
}

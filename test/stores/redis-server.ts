// A real redis-server on a loopback port for the store tests, started and stopped by the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether redis-server can run here; `.ci/run` installs it on CI. */
export const redisAvailable: boolean = spawnSync('redis-server', ['--version']).status === 0;

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not ${what} within 5 s`);
}

export function redisServer(port: number = 20000 + Math.floor(Math.random() * 20000)): RedisServer {
  let child: ChildProcess | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(() => canConnect(port), 'start');
    },
    async stop() {
      child?.kill('SIGKILL');
      child = undefined;
      await waitFor(async () => !(await canConnect(port)), 'stop');
    },
  };
}

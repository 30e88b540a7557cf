import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createClient } from 'redis';
import { redisStore, type RedisStore, type SessionStore } from 'jwt-gate';

// A redis-server on a loopback port for the rows that use redisStore: started by the parent process,
// named to the server process in BENCH_REDIS_URL.

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(Boolean(socket.destroy())));
    socket.once('error', () => resolve(false));
  });

/** Starts redis-server on a free loopback port; `undefined` when it is not installed. */
export async function startRedis(): Promise<{ url: string; stop: () => void } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = 30000 + Math.floor(Math.random() * 20000);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !(await canConnect(port)); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  // A near cache keeps nothing read from a log whose server has been up less than 20 s (docs/many-instances.md): the
  // rows measure the cache as it runs, not those first seconds.
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  return { url: `redis://127.0.0.1:${port}`, stop: () => void child.kill('SIGKILL') };
}

let store: RedisStore | undefined;
let client: ReturnType<typeof createClient> | undefined;

/** Connects once (top-level, before the server listens), so the guards can be built synchronously. */
export async function connectBenchRedis(): Promise<void> {
  const url = process.env.BENCH_REDIS_URL;
  if (url === undefined || client !== undefined) return;
  client = createClient({ url, disableOfflineQueue: true });
  await client.connect();
  store = redisStore({ client });
}

/** Whether the Redis rows can run: connectBenchRedis found a server. */
export const redisAvailable = (): boolean => store !== undefined;

/** The redisStore of the Redis rows; connectBenchRedis must have run. */
export function benchRedisStore(): SessionStore {
  if (store === undefined) throw new Error('bench: the Redis rows need redis-server (BENCH_REDIS_URL)');
  return store;
}

/** Closes what connectBenchRedis opened, so the process can end. */
export async function closeBenchRedis(): Promise<void> {
  store?.close();
  await client?.quit();
  store = undefined;
  client = undefined;
}

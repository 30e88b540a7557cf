// Real Redis servers on loopback ports for the store tests: the ones named by REDIS_URL and
// REDIS_CLUSTER_NODES when set (.ci/run starts them), else started and stopped by the tests.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  /** Every master; set once `start()` has resolved. */
  readonly nodes: readonly RedisNode[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Kills the node on `port` (it loses everything it held: no persistence). */
  kill(port: number): Promise<void>;
  /** Starts the node on `port` again, empty, with its slots; resolves once the cluster is whole. */
  revive(port: number): Promise<void>;
}

export interface RedisSentinel {
  /** The name Sentinel knows the master by. */
  readonly name: string;
  readonly sentinel: RedisNode;
  /** The first master, then its replicas: the servers faults are injected into. */
  readonly servers: readonly RedisServer[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelOptions {
  /** Replicas of the first master. @default 0 */
  readonly replicas?: number;
  /** How long a master must be silent before Sentinel fails over to a replica (ms). @default 30000 */
  readonly downAfter?: number;
}

/** Whether redis-server can run here; `.ci/run` installs it on CI. */
export const redisAvailable: boolean = spawnSync('redis-server', ['--version']).status === 0;

/** Whether the Redis tests run: never skipped on CI, where a missing redis-server must fail them. */
export const runRedis: boolean =
  redisAvailable ||
  Boolean(process.env.CI) ||
  Boolean(process.env.REDIS_URL && process.env.REDIS_CLUSTER_NODES);

const run = promisify(execFile);

const canConnect = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

// Generous: a shared CI machine running other suites can take seconds to start a process.
async function waitFor(condition: () => Promise<boolean>, what: string, seconds = 20): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not ${what} within ${seconds} s`);
}

// Single servers take 25000-32000, Sentinels 15000-16000; cluster nodes 10000-15000, whose bus ports
// (+10000) fall in 20000-25000: no test run's node or bus port can land on another's, and none falls in
// Linux's ephemeral range (32768-60999), where a client socket of another test could hold it.
const randomPort = (): number => 25000 + Math.floor(Math.random() * 7000);

/**
 * A Redis server on `port`, or on a free random port (another one when the first is taken at start);
 * `args` are added to its command line (`--rename-command EVAL ""`).
 */
export function redisServer(port?: number, args: readonly string[] = []): RedisServer {
  let current = port ?? randomPort();
  // Once started, a server restarts on its port: its clients reconnect there.
  let fixed = port !== undefined;
  let child: ChildProcess | undefined;

  async function startOn(on: number): Promise<void> {
    const spawned = spawn(
      'redis-server',
      ['--port', String(on), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
      { stdio: 'ignore' },
    );
    child = spawned;
    await waitFor(async () => {
      // A server that could not bind its port exits: say so now rather than wait out the timeout.
      if (spawned.exitCode !== null || spawned.signalCode !== null)
        throw new Error(`redis-server exited at start on port ${on}`);
      return canConnect(on);
    }, 'start');
    // Never test against another process that holds the port.
    const { stdout } = await run('redis-cli', ['-p', String(on), 'INFO', 'server'], { timeout: 5000 }).catch(
      () => ({ stdout: '' }),
    );
    if (!stdout.includes(`process_id:${spawned.pid}\r`))
      throw new Error(`port ${on} is held by another process`);
  }

  return {
    get port() {
      return current;
    },
    get url() {
      return `redis://127.0.0.1:${current}`;
    },
    async start() {
      for (let attempt = 1; ; attempt++) {
        try {
          if (!fixed && !(await isFree(current))) throw new Error(`port ${current} in use`);
          await startOn(current);
          fixed = true;
          return;
        } catch (err) {
          child?.kill('SIGKILL');
          child = undefined;
          if (fixed || attempt >= 5) throw err;
          current = randomPort();
        }
      }
    },
    async stop() {
      child?.kill('SIGKILL');
      child = undefined;
      await waitFor(async () => !(await canConnect(current)), 'stop');
    },
  };
}

/** A 3-master Redis Cluster on loopback ports, in a temporary folder removed at `stop()`. */
export function redisCluster(): RedisCluster {
  let children: ChildProcess[] = [];
  let dir: string | undefined;
  let nodes: RedisNode[] = [];

  async function stop(): Promise<void> {
    const stopping = children;
    children = [];
    for (const child of stopping) child.kill('SIGKILL');
    await Promise.all(
      stopping.map((child) =>
        child.exitCode === null && child.signalCode === null
          ? new Promise((resolve) => child.once('exit', resolve))
          : Promise.resolve(),
      ),
    );
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }

  const spawnNode = (folder: string, port: number): ChildProcess =>
    spawn(
      'redis-server',
      [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(folder, `nodes-${port}.conf`),
        '--dir',
        folder,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );

  async function startOn(ports: readonly number[]): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'jwt-gate-cluster-'));
    const folder = dir;
    children = ports.map((port) => spawnNode(folder, port));
    const alive = (): boolean =>
      children.every((child) => child.exitCode === null && child.signalCode === null);
    await waitFor(async () => {
      if (!alive()) throw new Error('a cluster node exited at start');
      return (await Promise.all(ports.map((port) => canConnect(port)))).every(Boolean);
    }, 'start');
    // A node that lost its port to another process exits: never form a cluster with that other process.
    const infos = await Promise.all(
      ports.map((port) => run('redis-cli', ['-p', String(port), 'INFO', 'server'])),
    );
    if (infos.some(({ stdout }, i) => !stdout.includes(`process_id:${children[i]?.pid}\r`)))
      throw new Error('a cluster port is held by another process');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      async () => {
        const infos = await Promise.all(
          ports.map((port) => run('redis-cli', ['-p', String(port), 'CLUSTER', 'INFO'])),
        );
        return infos.every(({ stdout }) => stdout.includes('cluster_state:ok'));
      },
      'form a cluster',
      20,
    );
    nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  return {
    get nodes() {
      return nodes;
    },
    async kill(port) {
      const i = nodes.findIndex((node) => node.port === port);
      const child = children[i];
      child?.kill('SIGKILL');
      if (child !== undefined && child.exitCode === null && child.signalCode === null)
        await new Promise((resolve) => child.once('exit', resolve));
    },
    async revive(port) {
      const i = nodes.findIndex((node) => node.port === port);
      children[i] = spawnNode(dir as string, port);
      await waitFor(() => canConnect(port), 'start again');
      await waitFor(
        async () => {
          const infos = await Promise.all(
            nodes.map((node) => run('redis-cli', ['-p', String(node.port), 'CLUSTER', 'INFO'])),
          );
          return infos.every(({ stdout }) => stdout.includes('cluster_state:ok'));
        },
        'form the cluster again',
        30,
      );
    },
    async start() {
      for (let attempt = 1; ; attempt++) {
        const base = 10000 + 3 * Math.floor(Math.random() * 1666);
        const ports = [base, base + 1, base + 2];
        try {
          if (
            !(await Promise.all([...ports, ...ports.map((port) => port + 10000)].map(isFree))).every(Boolean)
          )
            throw new Error('ports in use');
          await startOn(ports);
          return;
        } catch (err) {
          await stop();
          if (attempt >= 5) throw err;
        }
      }
    },
    stop,
  };
}

/** One Sentinel watching one master (and its replicas), each on its own loopback port. */
export function redisSentinel(options: SentinelOptions = {}): RedisSentinel {
  const master = redisServer();
  const replicas: RedisServer[] = [];
  const downAfter = options.downAfter ?? 30_000;
  let port = 15000 + Math.floor(Math.random() * 1000);
  let child: ChildProcess | undefined;
  let dir: string | undefined;

  async function startOn(on: number, folder: string): Promise<void> {
    // Sentinel rewrites its configuration file, so it gets one of its own.
    const conf = join(folder, `sentinel-${on}.conf`);
    writeFileSync(
      conf,
      [
        `port ${on}`,
        'bind 127.0.0.1',
        `dir ${folder}`,
        `sentinel monitor jwt-gate-test 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds jwt-gate-test ${downAfter}`,
        `sentinel failover-timeout jwt-gate-test ${Math.max(3 * downAfter, 3000)}`,
        '',
      ].join('\n'),
    );
    const spawned = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    child = spawned;
    await waitFor(async () => {
      if (spawned.exitCode !== null || spawned.signalCode !== null)
        throw new Error(`redis-sentinel exited at start on port ${on}`);
      return canConnect(on);
    }, 'start as a Sentinel');
    // Several test files start Sentinels at once: never watch another file's master through its Sentinel.
    const { stdout } = await run('redis-cli', ['-p', String(on), 'INFO', 'server'], { timeout: 5000 }).catch(
      () => ({ stdout: '' }),
    );
    if (!stdout.includes(`process_id:${spawned.pid}\r`))
      throw new Error(`port ${on} is held by another process`);
  }

  return {
    name: 'jwt-gate-test',
    get sentinel() {
      return { host: '127.0.0.1', port };
    },
    get servers() {
      return [master, ...replicas];
    },
    async start() {
      await master.start();
      dir = mkdtempSync(join(tmpdir(), 'jwt-gate-sentinel-'));
      for (let i = 0; i < (options.replicas ?? 0); i++) {
        // A replica writes what it loads from its master into its folder: a temporary one.
        const args = ['--replicaof', '127.0.0.1', String(master.port), '--dir', dir];
        const replica = redisServer(undefined, args);
        await replica.start();
        replicas.push(replica);
      }
      for (let attempt = 1; ; attempt++) {
        try {
          if (!(await isFree(port))) throw new Error(`port ${port} in use`);
          await startOn(port, dir);
          return;
        } catch (err) {
          child?.kill('SIGKILL');
          child = undefined;
          if (attempt >= 5) throw err;
          port = 15000 + Math.floor(Math.random() * 1000);
        }
      }
    },
    async stop() {
      child?.kill('SIGKILL');
      child = undefined;
      await waitFor(async () => !(await canConnect(port)), 'stop');
      for (const server of [master, ...replicas.splice(0)]) await server.stop().catch(() => undefined);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

/**
 * Resolves once every server on `ports` has been up `seconds`: a near cache keeps nothing read from a
 * log whose server is younger than a hold (it may have lost entries whose writes are still due).
 */
export async function upFor(ports: readonly number[], seconds: number): Promise<void> {
  for (const port of ports) {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'INFO', 'server'], { timeout: 5000 });
    const up = Number(/uptime_in_seconds:(\d+)/.exec(stdout)?.[1] ?? 0);
    if (up < seconds) await new Promise((resolve) => setTimeout(resolve, (seconds - up) * 1000));
  }
}

/** The single Redis of a test file: REDIS_URL when set, else one started here. */
export function sharedRedisServer(): RedisServer {
  const url = process.env.REDIS_URL;
  if (!url) return redisServer();
  return {
    port: Number(new URL(url).port || 6379),
    url,
    start: async () => undefined,
    stop: async () => undefined,
  };
}

/** The Redis Cluster of a test file: REDIS_CLUSTER_NODES ("host:port,host:port,...") when set, else one started here. */
export function sharedRedisCluster(): RedisCluster {
  const list = process.env.REDIS_CLUSTER_NODES;
  if (!list) return redisCluster();
  const nodes = list.split(',').map((entry): RedisNode => {
    const at = entry.trim().lastIndexOf(':');
    return { host: entry.trim().slice(0, at), port: Number(entry.trim().slice(at + 1)) };
  });
  const shared = (): Promise<never> => Promise.reject(new Error('the shared cluster is not for faults'));
  return { nodes, start: async () => undefined, stop: async () => undefined, kill: shared, revive: shared };
}

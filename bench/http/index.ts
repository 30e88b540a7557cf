import { spawn, type ChildProcess } from 'node:child_process';
import { cpuTimes, machine, stealPercent, type CpuTimes } from '../machine.js';
import { startRedis } from '../redis.js';
import { GUARDS, LADDER, type GuardName } from './guards.js';
import { load, processCpu, requestsFor, type Slice } from './load.js';
import { httpTable, type CaseResult } from './table.js';

export type Framework = 'express' | 'koa' | 'fastify';

export interface HttpOptions {
  /** Seconds of load per guard and round. */
  readonly slice: number;
  /** Rounds: each guard gets one slice per round, in turn, so noise falls on all of them alike. */
  readonly rounds: number;
  readonly connections: number;
  /** Only the guards whose names match. */
  readonly only?: RegExp | undefined;
  readonly frameworks?: readonly Framework[] | undefined;
  /** Write .cpuprofile files of each server into this folder. */
  readonly profileDir?: string | undefined;
  /** Run the layers between the floor and requireAuth (HS256) instead of the peers. */
  readonly ladder?: boolean | undefined;
}

const SERVER = new URL('./server.ts', import.meta.url).pathname;
// The server runs the build in dist/, as this process does (see bench/tsconfig.json).
const TSCONFIG = new URL('../tsconfig.json', import.meta.url).pathname;

function start(
  framework: Framework,
  guards: readonly GuardName[],
  profileDir: string | undefined,
  redisUrl: string | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${framework}`];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', SERVER, framework, guards.join(',')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: TSCONFIG,
        ...(redisUrl === undefined ? {} : { BENCH_REDIS_URL: redisUrl }),
      },
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /listening (\d+)/.exec(out)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port) });
    });
    child.once('exit', (code) => reject(new Error(`bench: the ${framework} server exited (${code})`)));
  });
}

interface Totals {
  responses: number;
  seconds: number;
  serverCpu: number;
  otherCpu: number;
  readonly rates: number[];
  readonly p99s: number[];
  readonly latencies: Float64Array[];
  readonly cpu: { before: CpuTimes | undefined; after: CpuTimes | undefined }[];
}

async function runFramework(
  framework: Framework,
  guards: readonly GuardName[],
  options: HttpOptions,
  redisUrl: string | undefined,
): Promise<CaseResult[]> {
  const { child, port } = await start(framework, guards, options.profileDir, redisUrl);
  const requests = { HS256: requestsFor('HS256'), RS256: requestsFor('RS256') };
  const target = (guard: GuardName) => ({
    port,
    path: `/${guard}`,
    requests: requests[guard.includes('rs256') ? 'RS256' : 'HS256'],
    connections: options.connections,
  });
  const totals = new Map<GuardName, Totals>(
    guards.map((g) => [
      g,
      { responses: 0, seconds: 0, serverCpu: 0, otherCpu: 0, rates: [], p99s: [], latencies: [], cpu: [] },
    ]),
  );
  try {
    for (const guard of guards) await load(target(guard), 0.5); // warm-up: every route compiled before any counts
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < guards.length; i++) {
        const guard = guards[(i + round) % guards.length] as GuardName;
        const before = { machine: cpuTimes(), server: processCpu(child.pid), self: process.cpuUsage() };
        const slice: Slice = await load(target(guard), options.slice);
        const after = {
          machine: cpuTimes(),
          server: processCpu(child.pid),
          self: process.cpuUsage(before.self),
        };
        const t = totals.get(guard) as Totals;
        const server = (after.server ?? 0) - (before.server ?? 0);
        const busy =
          before.machine === undefined || after.machine === undefined
            ? 0
            : (after.machine.busy - before.machine.busy) / 100;
        t.responses += slice.latencies.length;
        t.seconds += slice.seconds;
        t.serverCpu += server;
        t.otherCpu += Math.max(0, busy - server - (after.self.user + after.self.system) / 1e6);
        t.rates.push(slice.latencies.length / slice.seconds);
        t.p99s.push(slice.latencies[Math.floor(slice.latencies.length * 0.99)] ?? NaN);
        t.latencies.push(slice.latencies);
        t.cpu.push({ before: before.machine, after: after.machine });
      }
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  return guards.map((guard) => {
    const t = totals.get(guard) as Totals;
    const all = new Float64Array(t.latencies.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (const l of t.latencies) {
      all.set(l, at);
      at += l.length;
    }
    all.sort();
    const steals = t.cpu.map((c) => stealPercent(c.before, c.after)).filter((s) => s !== undefined);
    const rates = [...t.rates].sort((a, b) => a - b);
    return {
      guard,
      rates: t.rates,
      p99s: t.p99s,
      rps: rates[rates.length >> 1] ?? NaN,
      p50: all[Math.floor(all.length * 0.5)] ?? NaN,
      p99: all[Math.floor(all.length * 0.99)] ?? NaN,
      serverCpu: (100 * t.serverCpu) / t.seconds,
      otherCpu: (100 * t.otherCpu) / t.seconds,
      steal: steals.length === 0 ? undefined : steals.reduce((a, b) => a + b, 0) / steals.length,
    };
  });
}

/** The HTTP benchmark: one server process per framework serving every guard, autocannon in this process. */
export async function runHttp(options: HttpOptions): Promise<string> {
  const wanted = (options.ladder ? LADDER : GUARDS).filter(
    (g) => options.only === undefined || options.only.test(g),
  );
  const redis = wanted.some((g) => g.endsWith('-redis')) ? await startRedis() : undefined;
  if (redis === undefined && wanted.some((g) => g.endsWith('-redis')))
    console.warn('bench: redis-server is not installed; the Redis rows are left out');
  const guards = wanted.filter((g) => redis !== undefined || !g.endsWith('-redis'));
  const out = [
    `## HTTP (${machine()})`,
    '',
    `GET with \`Authorization: Bearer\` (100 users' tokens in turn), ${options.connections} connections, autocannon in this process, the server in another.`,
    `Every guard serves its own route in one warm server; they take turns in ${options.slice} s slices, ${options.rounds} rounds. req/s: the median slice; p50/p99: over all responses; × columns: the median of the ratios within each round (side by side).`,
  ];
  console.log(out.join('\n'));
  try {
    for (const framework of options.frameworks ?? (['express', 'koa', 'fastify'] as const)) {
      const text = httpTable(framework, await runFramework(framework, guards, options, redis?.url));
      console.log(`\n${text}`);
      out.push('', text);
    }
  } finally {
    redis?.stop();
  }
  return out.join('\n');
}

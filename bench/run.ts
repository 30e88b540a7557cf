import { writeFileSync } from 'node:fs';
import { runHttp } from './http/index.js';
import { runLoop } from './loop/index.js';
import { runMemory } from './memory/index.js';
import { runMicro } from './micro/index.js';
import { closeBenchRedis, connectBenchRedis, startRedis } from './redis.js';
import { runStartup } from './startup/index.js';

// npm run bench [-- micro|http|loop|memory|startup|all [group]]; BENCH_ROUNDS, BENCH_TIME_MS, BENCH_HTTP_SLICE, BENCH_HTTP_ROUNDS tune the length,
// BENCH_CASES (a regular expression over row names) keeps some rows of the micro groups, BENCH_HTTP_CASES some
// guards; BENCH_HTTP_LADDER=1 measures the layers between the floor and requireAuth instead of the peers;
// BENCH_STARTUP_ROUNDS sets the processes per row of the start-up benchmark; BENCH_STARTUP_BASELINE=<dir>
// adds jwt-gate's rows loaded from another built checkout.
const what = process.argv[2] ?? 'all';
const number = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`bench: ${name} must be a positive number`);
  return value;
};

const reports: string[] = [];
if (what === 'micro' || what === 'all') {
  const cases = process.env.BENCH_CASES === undefined ? undefined : new RegExp(process.env.BENCH_CASES);
  // The redisStore rows need a redis-server: one on a loopback port for this run, when installed.
  const redis = await startRedis();
  if (redis === undefined)
    console.warn('bench: redis-server is not installed; the redisStore rows are left out');
  else process.env.BENCH_REDIS_URL = redis.url;
  await connectBenchRedis();
  try {
    reports.push(
      await runMicro(
        { rounds: number('BENCH_ROUNDS', 15), timeMs: number('BENCH_TIME_MS', 100), warmupMs: 30 },
        process.argv[3],
        cases,
      ),
    );
  } finally {
    await closeBenchRedis();
    redis?.stop();
  }
}
if (what === 'http' || what === 'all') {
  reports.push(
    await runHttp({
      slice: number('BENCH_HTTP_SLICE', 1),
      rounds: number('BENCH_HTTP_ROUNDS', 6),
      connections: number('BENCH_HTTP_CONNECTIONS', 10),
      profileDir: process.env.BENCH_HTTP_PROFILE,
      ladder: process.env.BENCH_HTTP_LADDER === '1',
      only: process.env.BENCH_HTTP_CASES === undefined ? undefined : new RegExp(process.env.BENCH_HTTP_CASES),
      frameworks:
        process.env.BENCH_HTTP_FRAMEWORKS === undefined
          ? undefined
          : (process.env.BENCH_HTTP_FRAMEWORKS.split(',') as ('express' | 'koa' | 'fastify')[]),
    }),
  );
}
if (what === 'loop' || what === 'all') {
  reports.push(await runLoop({ logins: 50, bursts: number('BENCH_LOOP_BURSTS', 20) }));
}
if (what === 'memory' || what === 'all') reports.push(await runMemory());
if (what === 'startup' || what === 'all')
  reports.push(
    runStartup({ rounds: number('BENCH_STARTUP_ROUNDS', 21), baseline: process.env.BENCH_STARTUP_BASELINE }),
  );
if (!['micro', 'http', 'loop', 'memory', 'startup', 'all'].includes(what))
  throw new TypeError('bench: say micro, http, loop, memory, startup or all');
writeFileSync(new URL(`./last-${what}.md`, import.meta.url), `${reports.join('\n\n')}\n`);

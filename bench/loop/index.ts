import { sign } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { rs256 } from 'jwt-gate';
import { keys, payload } from '../fixtures.js';
import { gate } from '../gate.js';
import { machine } from '../machine.js';

export interface LoopOptions {
  /** Logins per burst. */
  readonly logins: number;
  readonly bursts: number;
}

interface Measured {
  readonly name: string;
  readonly ms: { p50: number; p99: number; max: number };
  readonly burstMs: number;
}

// Each login as a server runs it: its own task on the loop, then one RS256 signature.
async function measure(name: string, options: LoopOptions, login: (i: number) => Promise<unknown>): Promise<Measured> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  await Promise.all(Array.from({ length: options.logins }, (_, i) => tick().then(() => login(i)))); // warm-up
  histogram.enable();
  const started = performance.now();
  for (let b = 0; b < options.bursts; b++) {
    await Promise.all(Array.from({ length: options.logins }, (_, i) => tick().then(() => login(i))));
    await tick();
  }
  const burstMs = (performance.now() - started) / options.bursts;
  histogram.disable();
  const ms = (ns: number): number => ns / 1e6;
  return { name, ms: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) }, burstMs };
}

/** 50 concurrent RS256 logins: jwt-gate's issue (crypto.sign on the thread pool) against synchronous crypto.sign. */
export async function runLoop(options: LoopOptions): Promise<string> {
  const auth = gate(rs256({ privateKey: keys.privateKey }));
  const input = (i: number): Buffer => Buffer.from(JSON.stringify({ ...payload(), sub: `user-${i}` }));
  const rows = [
    await measure('none (the loop idle but for the logins\' tasks)', options, async () => undefined),
    await measure('jwt-gate issue (async crypto.sign, thread pool)', options, (i) => auth.issue({ sub: `user-${i}` })),
    await measure('synchronous crypto.sign in each login', options, async (i) => sign('sha256', input(i), keys.privateKey)),
  ];
  const fmt = (n: number): string => n.toFixed(2);
  const lines = [
    `## Event loop during RS256 logins (${machine()})`,
    '',
    `${options.logins} concurrent logins per burst, ${options.bursts} bursts; perf_hooks.monitorEventLoopDelay at 1 ms resolution (an idle loop reads about 1.1 ms: the timer's own period).`,
    '',
    '| signing | loop delay p50 ms | p99 ms | max ms | one burst ms |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.ms.p50)} | ${fmt(r.ms.p99)} | ${fmt(r.ms.max)} | ${fmt(r.burstMs)} |`),
  ];
  const text = lines.join('\n');
  console.log(text);
  return text;
}

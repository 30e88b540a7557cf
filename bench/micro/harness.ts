import { Bench } from 'tinybench';
import type { Case, Group } from './cases.js';

export interface HarnessOptions {
  /** Rounds per group; each case gets one tinybench run per round. */
  readonly rounds: number;
  /** Milliseconds tinybench spends on a case in one round (after its warm-up). */
  readonly timeMs: number;
  readonly warmupMs: number;
}

export interface Measured {
  readonly case: Case;
  /** The median over rounds of each round's median latency, in nanoseconds. */
  readonly ns: number;
  /** The fastest and slowest round medians: how noisy the machine was. */
  readonly minNs: number;
  readonly maxNs: number;
  /** Each round's median latency, in round order. */
  readonly rounds: readonly number[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/**
 * Runs every case of `group` side by side: each round runs all cases once, starting from a
 * different case, so a noisy neighbour on the machine spreads over all rows instead of one.
 */
export async function measureGroup(group: Group, options: HarnessOptions): Promise<Measured[]> {
  const samples = new Map<Case, number[]>(group.cases.map((c) => [c, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = group.cases.map((_, i) => group.cases[(i + round) % group.cases.length] as Case);
    const bench = new Bench({
      time: options.timeMs,
      warmupTime: options.warmupMs,
      timestampProvider: 'hrtimeNow',
      throws: true,
    });
    for (const c of order) bench.add(c.name, c.fn);
    await bench.run();
    for (const c of order) {
      const result = bench.getTask(c.name)?.result;
      if (result === undefined || !('latency' in result))
        throw new Error(`bench: ${c.name} produced no result`);
      samples.get(c)?.push(result.latency.p50 * 1e6);
    }
  }
  return group.cases.map((c) => {
    const ns = samples.get(c) ?? [];
    return { case: c, ns: median(ns), minNs: Math.min(...ns), maxNs: Math.max(...ns), rounds: ns };
  });
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * How many times faster `row` is than `other`, as measured side by side: the median over rounds
 * of the two rows' ratio within each round, so a noisy spell that slows a whole round cancels out.
 */
function speedup(row: Measured, other: Measured): number {
  return median(row.rounds.map((ns, i) => (other.rounds[i] ?? NaN) / ns));
}

/**
 * One markdown table: ops/s, ns/op, and speed ratios (higher is faster) to the floor and to the
 * fastest peer measured in the same run: the lowest of the row's ratios to each peer, so whichever
 * peer is fastest at the row's expense is the one it is held to. Cached rows are held to peer caches.
 */
export function formatGroup(title: string, rows: readonly Measured[]): string {
  const floor = rows.find((r) => r.case.kind === 'floor');
  const lines = [
    `### ${title}`,
    '',
    '| case | ops/s | ns/op (median) | round medians | × floor | × fastest peer |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const peers = rows.filter(
      (p) => p.case.kind === 'peer' && p !== r && Boolean(p.case.cached) === Boolean(r.case.cached),
    );
    const vsPeers = peers.length === 0 ? '—' : fmt(Math.min(...peers.map((p) => speedup(r, p))), 2);
    lines.push(
      `| ${r.case.name} | ${fmt(1e9 / r.ns)} | ${fmt(r.ns)} | ${fmt(r.minNs)}–${fmt(r.maxNs)} | ${floor ? fmt(speedup(r, floor), 2) : '—'} | ${vsPeers} |`,
    );
  }
  return lines.join('\n');
}

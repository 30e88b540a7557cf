import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from '../machine.js';
import {
  CANDIDATES,
  baselineOf,
  countingArgs,
  nodeArgs,
  type Candidate,
  type ModuleSystem,
} from './candidates.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The children get this environment without NODE_OPTIONS, so nothing (a loader, a flag) rides along.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS'));

interface Cell {
  readonly candidate: Candidate;
  readonly system: ModuleSystem;
  /** Wall time of each sample, spawn to exit, in ms. */
  readonly samples: number[];
  /** CPU time (user + system, every thread) of each sample, from its start to the end of the loading, in ms. */
  readonly cpu: number[];
  /** Files the candidate loads (one untimed run). */
  files: number;
  /** Of them, files of the package itself (jwt-gate's dist, or the peer's own folder). */
  own: number;
}

function spawnNode(args: readonly string[], cwd: string = root): { ms: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error || r.status !== 0) {
    throw new Error(
      `bench: node ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stderr}`,
    );
  }
  return { ms, stdout: r.stdout };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};
const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

function ownFiles(candidate: Candidate, files: readonly string[]): number {
  const pkg = candidate.modules[0];
  if (pkg === undefined) return 0;
  return files.filter((f) =>
    pkg === 'jwt-gate'
      ? f.startsWith(join(candidate.cwd ?? root, 'dist', sep))
      : f.includes(`/node_modules/${pkg}/`),
  ).length;
}

/**
 * The cost of loading jwt-gate, its adapters and the peers in a fresh process: every sample is a new
 * `node` that loads the candidate's modules and exits, timed from spawn to exit. Each round runs every
 * candidate once, starting from a different one, so a noisy spell spreads over all rows; the cost of a
 * row is its median less the median of bare `node` in the same module system.
 */
export function runStartup(options: {
  readonly rounds: number;
  readonly baseline?: string | undefined;
}): string {
  const candidates = [...CANDIDATES, ...(options.baseline === undefined ? [] : baselineOf(options.baseline))];
  const cells: Cell[] = candidates.flatMap((candidate) =>
    candidate.systems.map((system) => ({ candidate, system, samples: [], cpu: [], files: 0, own: 0 })),
  );
  // The untimed run: checks every candidate loads, counts its files, and warms the disk cache.
  for (const cell of cells) {
    const files = JSON.parse(
      spawnNode(countingArgs(cell.candidate.modules, cell.system), cell.candidate.cwd).stdout,
    ) as string[];
    cell.files = files.length;
    cell.own = ownFiles(cell.candidate, files);
  }
  const load = [loadavg()[0] ?? NaN];
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[(i + round) % cells.length] as Cell;
      const { ms, stdout } = spawnNode(nodeArgs(cell.candidate.modules, cell.system), cell.candidate.cwd);
      const { user, system } = JSON.parse(stdout) as NodeJS.CpuUsage;
      cell.samples.push(ms);
      cell.cpu.push((user + system) / 1000);
    }
    load.push(loadavg()[0] ?? NaN);
  }

  type Metric = 'samples' | 'cpu';
  const bare = (system: ModuleSystem, metric: Metric): number =>
    median(cells.find((c) => c.candidate.kind === 'bare' && c.system === system)?.[metric] ?? []);
  const over = (cell: Cell, metric: Metric): number => median(cell[metric]) - bare(cell.system, metric);
  const jose = cells.find((c) => c.candidate.name === 'jose' && c.system === 'import');
  const vsJose = (cell: Cell, metric: Metric): number =>
    jose === undefined ? NaN : over(cell, metric) / over(jose, metric);
  const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  const lines = [
    `## Start-up: loading the package in a fresh process (${machine()})`,
    '',
    `${options.rounds} samples per row, one \`node\` process each; the rows take turns in every round.`,
    '`import`: `node --input-type=module -e "import \'jwt-gate\'; …"`, static imports (the ESM build, dist/esm);',
    '`require`: `node -e "require(\'jwt-gate\'); …"` (the CommonJS build, dist/cjs). Wall: spawn to exit. CPU:',
    'user + system time of the process, every thread, from its start to the end of the loading (`process.cpuUsage()`',
    'as the last statement), which other work on the machine disturbs less than the wall time. Over bare node: the',
    "row's median less bare node's median in the same module system. × jose: that cost over jose's (ESM only:",
    "its `import` row). Files: every file the process loaded, in one untimed run; own: the package's own.",
    `Load average (1 min) during the run: ${fmt(Math.min(...load), 2)}–${fmt(Math.max(...load), 2)}.`,
    '',
    '| candidate | loaded with | files (own) | wall, median ms | wall, middle half | wall over bare node, ms | × jose | CPU, median ms | CPU over bare node, ms | × jose |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const cell of cells) {
    const cost = (metric: Metric): string =>
      cell.candidate.kind === 'bare' ? ' | ' : `${fmt(over(cell, metric))} | ${fmt(vsJose(cell, metric), 2)}`;
    lines.push(
      `| ${cell.candidate.name} | \`${cell.system}\` | ${cell.files} (${cell.own}) | ${fmt(median(cell.samples))} | ` +
        `${fmt(quantile(cell.samples, 0.25))}–${fmt(quantile(cell.samples, 0.75))} | ${cost('samples')} | ` +
        `${fmt(median(cell.cpu))} | ${cost('cpu')} |`,
    );
  }
  const text = lines.join('\n');
  console.log(text);
  return text;
}

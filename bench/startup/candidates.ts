// What the start-up benchmark loads: each candidate is the modules an app of that kind imports, loaded
// by a fresh `node` from the repo root, where `jwt-gate` resolves through package.json "exports" to dist/
// (the package's own name) and the peers from node_modules.

export type ModuleSystem = 'import' | 'require';

export interface Candidate {
  /** The row's name in the table. */
  readonly name: string;
  readonly kind: 'bare' | 'jwt-gate' | 'peer' | 'reference';
  /** Loaded one after the other, as an app's first lines would. */
  readonly modules: readonly string[];
  /** The module systems the candidate is loaded with. */
  readonly systems: readonly ModuleSystem[];
  /** Where `node` runs: another built checkout of jwt-gate, for a baseline. @default the repo root */
  readonly cwd?: string;
}

const BOTH = ['import', 'require'] as const;

export const CANDIDATES: readonly Candidate[] = [
  { name: 'node, nothing loaded', kind: 'bare', modules: [], systems: BOTH },
  { name: 'jwt-gate', kind: 'jwt-gate', modules: ['jwt-gate'], systems: BOTH },
  {
    name: 'jwt-gate + jwt-gate/express',
    kind: 'jwt-gate',
    modules: ['jwt-gate', 'jwt-gate/express'],
    systems: BOTH,
  },
  { name: 'jwt-gate + jwt-gate/koa', kind: 'jwt-gate', modules: ['jwt-gate', 'jwt-gate/koa'], systems: BOTH },
  // ESM only: an app that uses require() loads it through require(esm), new in Node 20.19.
  { name: 'jose', kind: 'peer', modules: ['jose'], systems: ['import'] },
  { name: 'fast-jwt', kind: 'peer', modules: ['fast-jwt'], systems: BOTH },
  // Neither express-jwt nor koa-jwt loads its framework, nor does jwt-gate/express or jwt-gate/koa:
  // no row counts one. The framework rows say what an app pays for it anyway.
  { name: 'express-jwt', kind: 'peer', modules: ['express-jwt'], systems: BOTH },
  { name: 'koa-jwt', kind: 'peer', modules: ['koa-jwt'], systems: BOTH },
  { name: 'express (the framework alone)', kind: 'reference', modules: ['express'], systems: ['import'] },
  { name: 'koa (the framework alone)', kind: 'reference', modules: ['koa'], systems: ['import'] },
];

/** jwt-gate's rows again, loaded from another built checkout (BENCH_STARTUP_BASELINE): before and after in one run. */
export function baselineOf(dir: string): Candidate[] {
  return CANDIDATES.filter((c) => c.kind === 'jwt-gate').map((c) => ({
    ...c,
    name: `${c.name} (baseline: ${dir})`,
    kind: 'reference',
    cwd: dir,
  }));
}

// What the process used, all threads, from its start to the end of the loading: getrusage, which loads nothing.
const REPORT = 'process.stdout.write(JSON.stringify(process.cpuUsage()));';

/**
 * The `node` arguments that load `modules`, print the process's CPU time and exit: `node -e` (CommonJS)
 * or `node --input-type=module -e` with static imports, as an app's first lines.
 */
export function nodeArgs(modules: readonly string[], system: ModuleSystem): string[] {
  if (system === 'require')
    return ['-e', `${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}${REPORT}`];
  return [
    '--input-type=module',
    '-e',
    `${modules.map((m) => `import ${JSON.stringify(m)};`).join('')}${REPORT}`,
  ];
}

// An untimed run that lists every file the candidate loaded: ESM files through a load hook, CommonJS ones
// (those an ESM import reaches too) from the require cache. Prints them as JSON.
const ESM_HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) port.postMessage(url);
  return next(url, context);
}`;

export function countingArgs(modules: readonly string[], system: ModuleSystem): string[] {
  const list = JSON.stringify(modules);
  if (system === 'require') {
    return [
      '-e',
      `for (const m of ${list}) require(m); console.log(JSON.stringify(Object.keys(require.cache)));`,
    ];
  }
  const script = `
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const files = new Set();
port1.on('message', (url) => files.add(fileURLToPath(url)));
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(ESM_HOOKS)}), import.meta.url, {
  data: { port: port2 },
  transferList: [port2],
});
for (const m of ${list}) await import(m);
await new Promise((resolve) => setTimeout(resolve, 100));
port1.close();
for (const f of Object.keys(createRequire(import.meta.url).cache)) files.add(f);
console.log(JSON.stringify([...files]));`;
  return ['--input-type=module', '-e', script];
}

import { parseArgs } from 'node:util';
import { CLIENTS, type ClientName } from './app-clients.js';
import { SETUPS, type SetupName } from './topology.js';

export interface SoakOptions {
  readonly short: boolean;
  readonly setups: readonly SetupName[];
  readonly clients: readonly ClientName[];
  /** App processes per client. */
  readonly apps: number;
  /** Virtual users per client. */
  readonly users: number;
  /** Verifications per step of a virtual user. */
  readonly verifications: number;
  /** The shortest phase: the steady start, and each fault with its aftermath (s). */
  readonly phaseSeconds: number;
  /** How long a clock offset or a full Redis lasts (s). */
  readonly holdSeconds: number;
  readonly rounds: number;
  /** The store's `nearCache.staleness` (ms), and the checker's margin on top of it. */
  readonly stalenessMs: number;
  readonly marginMs: number;
  readonly seed: number;
  /** Report broken invariants, but exit 0 (while the fixes are not in). */
  readonly reportOnly: boolean;
  readonly storeOptions: Record<string, unknown>;
  readonly clientOptions: Record<string, unknown>;
  readonly out: string;
}

const USAGE = `npm run soak -- [--short] [--setups=single,sentinel,cluster] [--clients=node-redis,ioredis]
  [--apps=N] [--users=N] [--verifications=N] [--phase=s] [--hold=s] [--rounds=N] [--staleness=ms] [--margin=ms]
  [--seed=N] [--report-only] [--store-options=JSON] [--client-options=JSON] [--out=file.md]
Each flag also reads from SOAK_<NAME> (SOAK_SHORT=1, SOAK_REPORT_ONLY=1, SOAK_STORE_OPTIONS='{...}', ...).`;

function list<T extends string>(value: string, known: readonly T[], what: string): T[] {
  const items = value.split(',').map((s) => s.trim());
  for (const item of items)
    if (!(known as readonly string[]).includes(item)) throw new TypeError(`soak: unknown ${what} "${item}"`);
  return items as T[];
}

function whole(value: string, what: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new TypeError(`soak: --${what} takes a whole number >= ${min}`);
  return n;
}

function object(value: string, what: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError(`soak: --${what} takes a JSON object`);
  return parsed as Record<string, unknown>;
}

const FLAGS = [
  'setups',
  'clients',
  'apps',
  'users',
  'verifications',
  'phase',
  'hold',
  'rounds',
  'staleness',
  'margin',
  'seed',
  'store-options',
  'client-options',
  'out',
] as const;

/**
 * The flags, each falling back to SOAK_<FLAG> in the environment, then to the short or the full run's
 * default. A bad one prints what went wrong and the usage, and exits with 2.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): SoakOptions {
  try {
    return parse(argv, env);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return process.exit(2);
  }
}

function parse(argv: readonly string[], env: NodeJS.ProcessEnv): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      short: { type: 'boolean' },
      'report-only': { type: 'boolean' },
      help: { type: 'boolean' },
      ...Object.fromEntries(FLAGS.map((flag) => [flag, { type: 'string' as const }])),
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const flag = (name: (typeof FLAGS)[number]): string | undefined =>
    (values as Record<string, string | undefined>)[name] ??
    env[`SOAK_${name.toUpperCase().replace('-', '_')}`];
  const short = values.short === true || env.SOAK_SHORT === '1';
  const pick = (name: (typeof FLAGS)[number], ifShort: number, ifFull: number, min = 1): number => {
    const value = flag(name);
    return value === undefined ? (short ? ifShort : ifFull) : whole(value, name, min);
  };
  return {
    short,
    setups: list(flag('setups') ?? SETUPS.join(','), SETUPS, 'set-up'),
    clients: list(flag('clients') ?? CLIENTS.join(','), CLIENTS, 'client'),
    apps: pick('apps', 2, 3, 2),
    users: pick('users', 4, 8),
    verifications: pick('verifications', 4, 4),
    phaseSeconds: pick('phase', 5, 40),
    holdSeconds: pick('hold', 3, 10),
    rounds: pick('rounds', 1, 1),
    stalenessMs: pick('staleness', 100, 100, 10),
    marginMs: pick('margin', 50, 50, 0),
    seed: pick('seed', Math.floor(Math.random() * 2 ** 31), Math.floor(Math.random() * 2 ** 31), 0),
    reportOnly: values['report-only'] === true || env.SOAK_REPORT_ONLY === '1',
    storeOptions: object(flag('store-options') ?? '{}', 'store-options'),
    clientOptions: object(flag('client-options') ?? '{}', 'client-options'),
    out: flag('out') ?? 'bench/last-soak.md',
  };
}

/** A seeded generator (mulberry32): a run's fault lengths and choices follow its `--seed`. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import type { GuardName } from './guards.js';

export interface CaseResult {
  readonly guard: GuardName;
  /** Each round's req/s and p99, in round order. */
  readonly rates: readonly number[];
  readonly p99s: readonly number[];
  /** Median over the slices. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Percent of one core. */
  readonly serverCpu: number;
  /** The machine's busy time less the server's and the load generator's: other tenants of the VM. */
  readonly otherCpu: number;
  readonly steal: number | undefined;
}

const LABELS: Record<GuardName, (peer: string) => string> = {
  none: () => 'no auth',
  'floor-hs256': () => 'hand-rolled node:crypto HS256 (floor)',
  'jwt-gate-hs256': () => 'jwt-gate requireAuth HS256',
  'jwt-gate-hs256-store': () => 'jwt-gate requireAuth HS256, default memory store',
  'peer-hs256': (peer) => `${peer} HS256`,
  'peer-hs256-string': (peer) => `${peer} HS256, secret as a string`,
  'floor-rs256': () => 'hand-rolled node:crypto RS256 (floor)',
  'jwt-gate-rs256': () => 'jwt-gate requireAuth RS256',
  'jwt-gate-rs256-cache': () => 'jwt-gate requireAuth RS256, cache',
  'peer-rs256': (peer) => `${peer} RS256`,
  'floor-hs256-microtask': () => 'hand-rolled HS256, next() from a microtask',
  'verify-hs256': () => 'auth.verify(token) in a hand-written middleware',
  'authenticate-hs256': () => 'auth.authenticate(req) in a hand-written middleware',
  'jwt-gate-hs256-cache': () => 'jwt-gate requireAuth HS256, cache, store: false',
  'jwt-gate-hs256-default': () => 'jwt-gate requireAuth HS256, defaults (cache + memory store)',
  'jwt-gate-hs256-redis': () => 'jwt-gate requireAuth HS256, defaults with redisStore',
};

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2 === 1
    ? (sorted[sorted.length >> 1] ?? NaN)
    : ((sorted[sorted.length / 2 - 1] ?? NaN) + (sorted[sorted.length / 2] ?? NaN)) / 2;
};

// Side by side: the median over rounds of the ratio within each round.
const perRound = (mine: readonly number[], theirs: readonly number[]): number =>
  median(mine.map((v, i) => v / (theirs[i] ?? NaN)));

const HOSTS = {
  express: { title: 'Express 5', peer: 'express-jwt' },
  koa: { title: 'Koa 3', peer: 'koa-jwt' },
  fastify: { title: 'Fastify 5', peer: '@fastify/jwt' },
} as const;

/** One markdown table; ratios are req/s ÷ the other row's req/s (higher is better), p99 ÷ no auth's p99. */
export function httpTable(framework: keyof typeof HOSTS, results: readonly CaseResult[]): string {
  const by = new Map(results.map((r) => [r.guard, r]));
  const base = by.get('none');
  const { title, peer } = HOSTS[framework];
  const lines = [
    `### ${title}`,
    '',
    '| case | req/s | p50 ms | p99 ms | req/s × no auth | p99 × no auth | req/s × floor | req/s × peer | req/s × store: false | server CPU | other CPU | steal |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const alg = r.guard.includes('rs256') ? 'rs256' : 'hs256';
    const ratio = (other: CaseResult | undefined): string =>
      other === undefined || r.guard === 'none' ? '—' : fmt(perRound(r.rates, other.rates), 2);
    const p99 = base === undefined || r.guard === 'none' ? '—' : fmt(perRound(r.p99s, base.p99s), 2);
    // What revocation costs: a store row against the same cache with no store.
    const noStore = by.get('jwt-gate-hs256-cache');
    const storeRatio =
      (r.guard === 'jwt-gate-hs256-default' || r.guard === 'jwt-gate-hs256-redis') && noStore !== undefined
        ? fmt(perRound(r.rates, noStore.rates), 2)
        : '—';
    lines.push(
      `| ${LABELS[r.guard](peer)} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${ratio(base)} | ${p99} | ${ratio(by.get(`floor-${alg}`))} | ${ratio(by.get(`peer-${alg}`))} | ${storeRatio} | ${fmt(r.serverCpu)}% | ${fmt(r.otherCpu)}% | ${fmt(r.steal, 1)}% |`,
    );
  }
  return lines.join('\n');
}

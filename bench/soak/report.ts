import type { ClientName } from './app-clients.js';
import { CLASSES, type FindingGroup, type Tally } from './findings.js';
import type { SetupName } from './topology.js';

export interface GroupResult {
  readonly client: ClientName;
  readonly tallies: ReadonlyMap<string, Tally>;
  readonly findings: ReadonlyMap<string, FindingGroup>;
}

export interface SetupResult {
  readonly setup: SetupName;
  readonly phases: readonly { name: string; ms: number }[];
  /** Monotonic ms when the first phase began: the findings' samples are given from there. */
  readonly origin: number;
  readonly groups: readonly GroupResult[];
  /** What kept the harness from doing its part (a set-up that would not start, a fault that did not recover). */
  readonly errors: readonly string[];
}

/** The invariants that must be 0, as counted in a tally. */
const BROKEN: readonly [string, (t: Tally) => number][] = [
  ['revoked tokens accepted after staleness', (t) => t.revokedAccepted],
  ['refresh tokens used twice', (t) => t.refreshTwice],
  ['process crashes', (t) => t.crashes],
  ['5xx other than 503', (t) => t.serverErrors],
  ['fresh logins refused', (t) => t.freshRefused],
];

const sum = (tallies: Iterable<Tally>, of: (t: Tally) => number): number =>
  [...tallies].reduce((total, t) => total + of(t), 0);

function phaseTable(result: SetupResult): string[] {
  const lines = [
    '| phase | s | client | req/s | requests | 503 | other 5xx | no answer | revoked accepted | worst delay (ms) | refresh twice | fresh refused | crashes | lost by restart |',
    '|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const phase of result.phases) {
    for (const group of result.groups) {
      const t = group.tallies.get(phase.name);
      if (t === undefined) continue;
      const s = phase.ms / 1000;
      lines.push(
        `| ${phase.name} | ${s.toFixed(1)} | ${group.client} | ${Math.round(t.requests / s)} | ${t.requests} | ${t.unavailable} | ${t.serverErrors} | ${t.noAnswer} | ${t.revokedAccepted} | ${t.revokedAccepted === 0 ? '' : Math.round(t.worstDelayMs)} | ${t.refreshTwice} | ${t.freshRefused} | ${t.crashes} | ${t.lost} |`,
      );
    }
  }
  return lines;
}

// One line per kind of finding: how many, in which phase, the delays, which processes and routes.
function findingLines(result: SetupResult): string[] {
  const lines: string[] = [];
  for (const group of result.groups) {
    for (const f of group.findings.values()) {
      const delays =
        f.maxDelayMs < f.minDelayMs ? '' : `, ${Math.round(f.minDelayMs)}–${Math.round(f.maxDelayMs)} ms`;
      const processes = f.processes.size === 0 ? '' : `, process ${[...f.processes].sort().join(', ')}`;
      const routes = f.routes.size === 0 ? '' : `, ${[...f.routes].join(', ')}`;
      const details = f.details.size === 0 ? '' : ` (${[...f.details].join('; ')})`;
      lines.push(
        `- ${group.client}: **${f.invariant}**${f.class === undefined ? '' : ` (${f.class})`} × ${f.count} ` +
          `in "${f.phase}"${delays}${processes}${routes}${details}`,
      );
    }
  }
  return lines;
}

/** The report of a run, in Markdown, and whether every invariant held. */
export function report(
  results: readonly SetupResult[],
  header: readonly string[],
): { text: string; held: boolean } {
  const lines = [...header, ''];
  const totals = new Map<string, number>(BROKEN.map(([name]) => [name, 0]));
  let lost = 0;
  for (const result of results) {
    lines.push(`### ${result.setup}`, '');
    for (const error of result.errors) lines.push(`- **harness error**: ${error}`);
    if (result.errors.length > 0) lines.push('');
    lines.push(...phaseTable(result), '');
    const found = findingLines(result);
    if (found.length > 0)
      lines.push(
        'Findings (delays: from Redis holding the revocation to the request sent):',
        '',
        ...found,
        '',
      );
    for (const group of result.groups) {
      for (const [name, of] of BROKEN)
        totals.set(name, (totals.get(name) ?? 0) + sum(group.tallies.values(), of));
      lost += sum(group.tallies.values(), (t) => t.lost);
    }
  }
  const errors = results.reduce((n, r) => n + r.errors.length, 0);
  const broken = [...totals.values()].reduce((a, b) => a + b, 0);
  lines.push('### Invariants (each must be 0)', '');
  for (const [name, count] of totals) lines.push(`- ${name}: **${count}**`);
  lines.push(
    `- harness errors: **${errors}**`,
    '',
    `Not counted as violations: ${lost} revocations or spends ${CLASSES.lost} (a node killed and started ` +
      'again without persistence loses what it held).',
  );
  return { text: `${lines.join('\n')}\n`, held: broken === 0 && errors === 0 };
}

/** Every kind of finding with its samples, times in seconds from the start of its set-up's first phase. */
export function details(results: readonly SetupResult[]): unknown {
  const from = (origin: number, at: number | undefined): number | undefined =>
    at === undefined ? undefined : Math.round(at - origin) / 1000;
  return results.map((r) => ({
    setup: r.setup,
    phases: r.phases,
    errors: r.errors,
    groups: r.groups.map((g) => ({
      client: g.client,
      findings: [...g.findings.values()].map((f) => ({
        ...f,
        processes: [...f.processes],
        routes: [...f.routes],
        details: [...f.details],
        samples: f.samples.map((s) => ({
          ...s,
          sentAt: from(r.origin, s.sentAt),
          heldAt: from(r.origin, s.heldAt),
        })),
      })),
    })),
  }));
}

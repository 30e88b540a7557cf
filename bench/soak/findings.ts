/** What a revoked token accepted too late turned out to be, asked of Redis itself right after. */
export const CLASSES = {
  held: 'refused by Redis, accepted by an instance',
  notHeld: 'acknowledged, then not refused by Redis',
  unknown: 'Redis could not tell (no answer, or restarted since)',
  lost: 'lost by a restart without persistence',
} as const;
export type Class = (typeof CLASSES)[keyof typeof CLASSES];

export type Invariant =
  'revoked token accepted' | 'refresh token used twice' | 'fresh login refused' | 'crash' | '5xx';

export interface Finding {
  readonly invariant: Invariant;
  readonly class?: Class;
  /** The phase in which Redis held the revocation (or the first spend, the crash, the answer). */
  readonly phase: string;
  readonly acceptPhase?: string;
  readonly process?: number;
  readonly route?: string;
  /** ms from the moment Redis held the revocation to the sending of the request it let through. */
  readonly delayMs?: number;
  readonly detail?: string;
  /** Monotonic ms: when the request was sent, and when Redis held what it should have met. */
  readonly sentAt?: number;
  readonly heldAt?: number;
}

/** Findings of one kind (invariant, class, phase): all counted, a few kept as samples. */
export interface FindingGroup {
  readonly invariant: Invariant;
  readonly class: Class | undefined;
  readonly phase: string;
  count: number;
  minDelayMs: number;
  maxDelayMs: number;
  readonly processes: Set<number>;
  readonly routes: Set<string>;
  readonly details: Set<string>;
  readonly samples: Finding[];
}

const SAMPLES = 5;

/** The counts of one phase, for one client. */
export interface Tally {
  requests: number;
  unavailable: number;
  serverErrors: number;
  noAnswer: number;
  revokedAccepted: number;
  worstDelayMs: number;
  lost: number;
  refreshTwice: number;
  freshRefused: number;
  crashes: number;
}

export const emptyTally = (): Tally => ({
  requests: 0,
  unavailable: 0,
  serverErrors: 0,
  noAnswer: 0,
  revokedAccepted: 0,
  worstDelayMs: 0,
  lost: 0,
  refreshTwice: 0,
  freshRefused: 0,
  crashes: 0,
});

/** Counts `f` into its group (invariant, class, phase), keeping a few samples. */
export function addFinding(groups: Map<string, FindingGroup>, f: Finding): void {
  const key = `${f.invariant}|${f.class ?? ''}|${f.phase}`;
  let group = groups.get(key);
  if (group === undefined) {
    group = {
      invariant: f.invariant,
      class: f.class,
      phase: f.phase,
      count: 0,
      minDelayMs: Infinity,
      maxDelayMs: -Infinity,
      processes: new Set(),
      routes: new Set(),
      details: new Set(),
      samples: [],
    };
    groups.set(key, group);
  }
  group.count++;
  if (f.delayMs !== undefined) {
    group.minDelayMs = Math.min(group.minDelayMs, f.delayMs);
    group.maxDelayMs = Math.max(group.maxDelayMs, f.delayMs);
  }
  if (f.process !== undefined) group.processes.add(f.process);
  if (f.route !== undefined) group.routes.add(f.route);
  if (f.detail !== undefined && group.details.size < 3) group.details.add(f.detail);
  if (group.samples.length < SAMPLES) group.samples.push(f);
}

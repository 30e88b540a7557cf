import { subjectSlot, type SlotRange } from './slots.js';

/** The phases of one set-up's run (the steady start, then one a fault, each with its aftermath), on one monotonic clock. */
export class Timeline {
  readonly #phases: { name: string; start: number }[] = [];
  readonly #restarts: { at: number; until: number; slots: readonly SlotRange[] | undefined }[] = [];

  /** Starts the phase `name` at `at` (now); the previous one ends. */
  begin(name: string, at: number = performance.now()): void {
    this.#phases.push({ name, start: at });
  }

  /** Monotonic ms when the first phase began. */
  get origin(): number {
    return this.#phases[0]?.start ?? 0;
  }

  /** The phase at monotonic time `at` (the first one for earlier times). */
  phaseAt(at: number): string {
    let name = this.#phases[0]?.name ?? 'start';
    for (const phase of this.#phases) if (phase.start <= at) name = phase.name;
    return name;
  }

  /** The phases in order, each with its length in ms (the last one ends at `end`). */
  phases(end: number): { name: string; ms: number }[] {
    return this.#phases.map((phase, i) => ({
      name: phase.name,
      ms: (this.#phases[i + 1]?.start ?? end) - phase.start,
    }));
  }

  /**
   * A Redis data node killed between `at` and `until` (SIGKILL sent, the process gone), to start again
   * without persistence: what it held is lost, on a Cluster the keys of `slots`, elsewhere every key.
   */
  restartedEmpty(at: number, until: number, slots: readonly SlotRange[] | undefined): void {
    this.#restarts.push({ at, until, slots });
  }

  /**
   * Whether the node holding `sub`'s keys lost its data between `from` and `to`: a write acknowledged
   * while the kill was under way may have been the dying node's last, lost with it.
   */
  restartBetween(from: number, to: number, sub: string): boolean {
    const slot = subjectSlot(sub);
    return this.#restarts.some(
      ({ at, until, slots }) =>
        until > from &&
        at < to &&
        (slots === undefined || slots.some(([low, high]) => slot >= low && slot <= high)),
    );
  }
}

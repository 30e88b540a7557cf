import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Date, Node version, core count and CPU model, for the head of every report. */
export function machine(): string {
  let model = 'unknown CPU';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // Not Linux: the model stays unknown.
  }
  return `${new Date().toISOString()} · Node ${process.version} · ${availableParallelism()} cores · ${model}`;
}

/** Machine-wide jiffies (1/100 s) since boot. */
export interface CpuTimes {
  readonly total: number;
  readonly steal: number;
  readonly idle: number;
  /** Every core's time spent running anything, steal left out. */
  readonly busy: number;
}

/** The machine-wide CPU counters of /proc/stat (jiffies), or `undefined` off Linux. */
export function cpuTimes(): CpuTimes | undefined {
  try {
    const fields = /^cpu\s+(.+)$/m
      .exec(readFileSync('/proc/stat', 'utf8'))?.[1]
      ?.trim()
      .split(/\s+/)
      .map(Number);
    if (fields === undefined || fields.length < 8) return undefined;
    // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const steal = fields[7] ?? 0;
    return { total, steal, idle, busy: total - idle - steal };
  } catch {
    return undefined;
  }
}

/** The share of CPU time the hypervisor gave to other guests between two readings, in percent. */
export function stealPercent(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (before === undefined || after === undefined || after.total === before.total) return undefined;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}

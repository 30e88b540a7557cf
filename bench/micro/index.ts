import { cpuTimes, machine, stealPercent } from '../machine.js';
import { microGroups } from './cases.js';
import { formatGroup, measureGroup, type HarnessOptions } from './harness.js';

/** The micro benchmark: every library verifying and signing the same tokens, in one process. */
export async function runMicro(options: HarnessOptions, only?: string, cases?: RegExp): Promise<string> {
  const groups = (await microGroups())
    // `-- micro verify` or `-- micro ES256,EdDSA`: the groups whose title holds any of the words.
    .filter((g) => only === undefined || only.split(',').some((word) => g.title.includes(word)))
    .map((g) =>
      cases === undefined
        ? g
        : { ...g, cases: g.cases.filter((c) => c.kind === 'floor' || cases.test(c.name)) },
    );
  const out = [
    `## Micro (${machine()})`,
    '',
    `${options.rounds} rounds × ${options.timeMs} ms per case. ns/op: the median of the round medians; × columns: the median of the ratios within each round (side by side).`,
  ];
  console.log(out.join('\n'));
  for (const group of groups) {
    const before = { machine: cpuTimes(), self: process.cpuUsage(), at: performance.now() };
    const rows = await measureGroup(group, options);
    const after = {
      machine: cpuTimes(),
      self: process.cpuUsage(before.self),
      seconds: (performance.now() - before.at) / 1000,
    };
    const steal = stealPercent(before.machine, after.machine);
    const busy =
      before.machine === undefined || after.machine === undefined
        ? undefined
        : (after.machine.busy - before.machine.busy) / 100;
    // What ran beside this process: the machine's busy time less this process's own.
    const others =
      busy === undefined
        ? undefined
        : Math.max(0, busy - (after.self.user + after.self.system) / 1e6) / after.seconds;
    const pct = (n: number | undefined): string => (n === undefined ? 'n/a' : `${n.toFixed(1)}%`);
    const table = `${formatGroup(group.title, rows)}\n\nDuring this group: CPU steal ${pct(steal)}, other processes ${pct(others === undefined ? undefined : 100 * others)} of one core.`;
    console.log(`\n${table}`);
    out.push('', table);
  }
  return out.join('\n');
}

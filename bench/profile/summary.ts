import { readFileSync } from 'node:fs';

// Prints the functions with the most self time in a .cpuprofile written by `node --cpu-prof`.
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (file === undefined) throw new TypeError('usage: summary.ts <file.cpuprofile> [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)?.callFrame;
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  if (frame === undefined) return;
  const where =
    frame.url === ''
      ? ''
      : ` ${frame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
  const name = `${frame.functionName || '(anonymous)'}${where}`;
  self.set(name, (self.get(name) ?? 0) + dt);
});
const rows = Number(process.argv[3] ?? 25);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
}

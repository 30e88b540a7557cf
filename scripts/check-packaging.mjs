// Packs the package as `npm publish` would (prepack builds it), then lints the tarball with
// `attw --profile strict` (types resolve from require and import, and under node10 resolution, which knows no
// `exports`: typesVersions serves the subpaths there) and `publint` (package.json and files).
// Exits non-zero when either reports anything, suggestions included.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const failures = [];

function run(command, args, capture) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (result.error) throw new Error(`check:packaging: could not run ${command}: ${result.error.message}`);
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-pack-'));
try {
  console.log('check:packaging: npm pack (prepack runs the build)');
  const pack = run(npm, ['pack', '--json', '--pack-destination', dir], true);
  if (pack.status !== 0) throw new Error(`check:packaging: npm pack failed (exit ${pack.status})`);
  const [{ filename }] = JSON.parse(pack.stdout);
  const tarball = join(dir, filename);

  console.log(`\ncheck:packaging: attw ${filename} --profile strict`);
  const attw = run(bin('attw'), [tarball, '--profile', 'strict'], false);
  if (attw.status !== 0) failures.push(`attw reported problems (exit ${attw.status}); see its table above`);

  console.log(`\ncheck:packaging: publint run ${filename} --strict`);
  const publint = run(bin('publint'), ['run', tarball, '--strict', '--level', 'suggestion'], true);
  process.stdout.write(publint.stdout);
  // The CLI exits 0 on warnings and suggestions; it prints "All good!" only when it has no message at all.
  if (publint.status !== 0 || !publint.stdout.includes('All good!')) {
    failures.push(`publint reported problems (exit ${publint.status}); see its messages above`);
  }
} catch (err) {
  failures.push(err instanceof Error ? err.message : String(err));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\ncheck:packaging FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\ncheck:packaging: attw and publint are clean');

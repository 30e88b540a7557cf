// The packed package as its users compile it. Packs the tarball once (prepack builds it), then makes fresh
// consumer projects from the registry in one temporary folder: for each @types/node major supported (20, 22,
// 24 and whatever is latest), one Express app, one Koa app, one Fastify app and one Passport app, each with the
// framework and its types. (Apart, as users have them: beside express 5, whose content-disposition 2 is hoisted, @types/koa fails
// its own lib check.) Each project type-checks the files of test/consumer/ with `strict`, `exactOptionalPropertyTypes`,
// `noUncheckedIndexedAccess` and `skipLibCheck: false`, under moduleResolution nodenext (an ESM .ts and a
// CommonJS .cts copy) and bundler with the TypeScript a new project installs today (latest), and under node10
// (which knows no `exports`: the subpaths resolve through typesVersions) with TypeScript 5, where the apps
// still on node10 are (6 deprecates it, 7 removed it). Any error fails the run. The installs go through the
// registry and the run takes two to three minutes, so it is a CI step of its own (`npm run check:types`),
// not part of `npm test`.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const TYPES_NODE = ['20', '22', '24'];
const APPS = {
  express: {
    files: ['core.ts', 'express.ts', 'adapter-kit.ts'],
    dependencies: { express: '^5', '@types/express': '^5' },
  },
  koa: { files: ['koa.ts'], dependencies: { koa: '^3', '@types/koa': '^3' } },
  // Fastify ships its own types.
  fastify: { files: ['fastify.ts'], dependencies: { fastify: '^5' } },
  passport: {
    files: ['passport.ts'],
    dependencies: { express: '^5', '@types/express': '^5', passport: '^0.7', '@types/passport': '^1' },
  },
};
// Each TypeScript is installed once per run, under an npm alias, in a tools project.
const TYPESCRIPT = { latest: undefined, legacy: '5' }; // undefined: `npm view typescript version`
const RESOLUTIONS = {
  nodenext: {
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
    cts: true,
    typescript: 'latest',
  },
  bundler: { options: { module: 'esnext', moduleResolution: 'bundler' }, cts: false, typescript: 'latest' },
  node10: {
    options: { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
    cts: false,
    typescript: 'legacy',
  },
};
const INSTALL = [
  'install',
  '--no-audit',
  '--no-fund',
  '--prefer-offline',
  '--ignore-scripts',
  '--loglevel=error',
];

// What `npm run` puts in the environment describes this repo, not the consumer projects.
const env = Object.fromEntries(
  Object.entries({ ...process.env, NO_COLOR: '1' }).filter(
    ([name]) => !/^npm_(lifecycle_|package_|command$|config_local_prefix$)|^INIT_CWD$/.test(name),
  ),
);

function runSync(what, command, args, cwd) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `check:types: ${what} failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stdout}${r.stderr}`,
    );
  }
  return r.stdout;
}

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(command, args, { cwd, env, shell: process.platform === 'win32' });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output, ms: Date.now() - start }));
  });
}

/** Runs `tasks` (functions returning promises), at most `limit` at once; resolves to their results in order. */
async function pool(tasks, limit) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const dir = mkdtempSync(join(tmpdir(), 'jwt-gate-types-'));
let failed = false;
try {
  const latest = runSync('npm view @types/node version', npm, ['view', '@types/node', 'version'], dir).trim();
  const versions = [...new Set([...TYPES_NODE, latest])];
  console.log(
    `check:types: @types/node ${versions.join(', ')} (latest ${latest}); npm pack (prepack runs the build)`,
  );
  const [{ filename }] = JSON.parse(
    runSync('npm pack', npm, ['pack', '--json', '--pack-destination', dir], root),
  );
  const tarball = join(dir, filename);

  const tools = join(dir, 'tools');
  mkdirSync(tools);
  const tsLatest = runSync('npm view typescript version', npm, ['view', 'typescript', 'version'], dir).trim();
  const toolDependencies = Object.fromEntries(
    Object.entries(TYPESCRIPT).map(([name, range]) => [
      `typescript-${name}`,
      `npm:typescript@${range ?? tsLatest}`,
    ]),
  );
  writeFileSync(
    join(tools, 'package.json'),
    JSON.stringify({ name: 'tools', private: true, dependencies: toolDependencies }),
  );

  const projects = versions.flatMap((version) =>
    Object.entries(APPS).map(([app, { files, dependencies }]) => {
      const cwd = join(dir, `${app}-types-node-${version}`);
      mkdirSync(cwd);
      const pkg = {
        name: `consumer-${app}`,
        private: true,
        type: 'module',
        dependencies: { 'jwt-gate': `file:${tarball}`, '@types/node': version, ...dependencies },
      };
      writeFileSync(join(cwd, 'package.json'), JSON.stringify(pkg, null, 2));
      for (const file of files) {
        copyFileSync(join(root, 'test', 'consumer', file), join(cwd, file));
        // In a "type": "module" project a .ts file is ESM and a .cts file CommonJS under nodenext.
        copyFileSync(join(root, 'test', 'consumer', file), join(cwd, file.replace(/\.ts$/, '.cts')));
      }
      for (const [name, { options, cts }] of Object.entries(RESOLUTIONS)) {
        const compilerOptions = {
          ...options,
          target: 'es2022',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        };
        const included = cts ? files.flatMap((f) => [f, f.replace(/\.ts$/, '.cts')]) : files;
        writeFileSync(
          join(cwd, `tsconfig.${name}.json`),
          JSON.stringify({ compilerOptions, files: included }, null, 2),
        );
      }
      return { app, version, cwd };
    }),
  );

  // The npm cache (with --prefer-offline) makes every install after the first one of a run, and of later
  // runs, a copy; the installs run side by side.
  const installDirs = [tools, ...projects.map((p) => p.cwd)];
  const installs = await pool(
    installDirs.map((cwd) => () => run(npm, INSTALL, cwd)),
    4,
  );
  installs.forEach(({ status, output }, i) => {
    if (status !== 0)
      throw new Error(`check:types: npm install in ${installDirs[i]} failed (exit ${status})\n${output}`);
  });
  const installed = (cwd, name) =>
    JSON.parse(readFileSync(join(cwd, 'node_modules', name, 'package.json'), 'utf8')).version;
  for (const project of projects) project.installed = installed(project.cwd, '@types/node');
  const compilers = Object.fromEntries(
    Object.keys(TYPESCRIPT).map((name) => {
      const version = installed(tools, `typescript-${name}`);
      return [name, { version, tsc: join(tools, 'node_modules', `typescript-${name}`, 'bin', 'tsc') }];
    }),
  );
  console.log(
    `check:types: ${projects.length} projects installed; TypeScript ${Object.entries(compilers)
      .map(([n, c]) => `${c.version} (${n})`)
      .join(', ')} (${seconds()})`,
  );

  const checks = projects.flatMap((project) =>
    Object.keys(RESOLUTIONS).map((resolution) => ({ ...project, resolution })),
  );
  const results = await pool(
    checks.map(
      (c) => () =>
        run(
          process.execPath,
          [compilers[RESOLUTIONS[c.resolution].typescript].tsc, '-p', `tsconfig.${c.resolution}.json`],
          c.cwd,
        ),
    ),
    Math.max(1, availableParallelism()),
  );
  checks.forEach((c, i) => {
    const { status, output, ms } = results[i];
    const ok = status === 0;
    failed ||= !ok;
    const typescript = compilers[RESOLUTIONS[c.resolution].typescript].version;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} @types/node ${c.installed.padEnd(8)} ${c.app.padEnd(8)} ${c.resolution.padEnd(9)} TypeScript ${typescript.padEnd(6)} ${(ms / 1000).toFixed(1)} s`,
    );
    if (!ok) console.log(output.replace(/^/gm, '      '));
  });
} catch (err) {
  failed = true;
  console.error(err instanceof Error ? err.message : String(err));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (failed) {
  console.error(`\ncheck:types FAILED (${seconds()})`);
  process.exit(1);
}
console.log(`\ncheck:types: every consumer compiles with zero errors (${seconds()})`);

// The published package, as a consumer gets it: `npm pack` (prepack builds dist/), install the tarball into
// a scratch project, then load it with `require` and `import` and type-check against it. Everything runs in
// child processes: inside vitest, 'jwt-gate' is aliased to src/.
// The pack runs in a copy of the repo, so `npm test` never rebuilds the working tree's dist/ under a
// concurrent build or `check:packaging`.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIT_ONLY_VALUES } from './support/kit-names.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

// What `npm test` puts in the environment describes this repo, not the scratch project.
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
for (const name of Object.keys(env)) {
  if (/^npm_(lifecycle_|package_|command$|config_local_prefix$)|^INIT_CWD$/.test(name)) delete env[name];
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Run {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 90_000 });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function failure(what: string, r: Run): string {
  return `${what} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function mustRun(what: string, command: string, args: readonly string[], cwd: string): string {
  const r = run(command, args, cwd);
  if (r.status !== 0) throw new Error(failure(what, r));
  return r.stdout;
}

// Prints what each module system sees; the assertions live in the test.
const CJS_PROBE = `
const m = require('jwt-gate');
const pkgExports = require('jwt-gate/package.json').exports;
(async () => {
  const auth = m.createAuth({ key: m.hs256('x'.repeat(32)) });
  const claims = await auth.verify(await auth.issue({ sub: 'a' }));
  const subpaths = {};
  for (const key of Object.keys(pkgExports)) {
    if (key === './package.json') continue;
    const spec = 'jwt-gate' + key.slice(1);
    subpaths[spec] = Object.keys(require(spec)).sort();
  }
  console.log(JSON.stringify({ keys: Object.keys(m).sort(), sub: claims.sub, resolved: require.resolve('jwt-gate'), subpaths }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

const ESM_PROBE = `
import * as esm from 'jwt-gate';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
const cjs = require('jwt-gate');
const pkgExports = require('jwt-gate/package.json').exports;

const auth = esm.createAuth({ key: esm.hs256('x'.repeat(32)) });
const claims = await auth.verify(await auth.issue({ sub: 'a' }));
const subpaths = {};
for (const key of Object.keys(pkgExports)) {
  if (key === './package.json') continue;
  const spec = 'jwt-gate' + key.slice(1);
  subpaths[spec] = Object.keys(await import(spec)).sort();
}

// The dual-package hazard: the CJS and ESM copies are two modules with two AuthError classes.
const cjsAuth = cjs.createAuth({ key: cjs.hs256('x'.repeat(32)) });
const fromCjs = await cjsAuth.verify('nope').then(() => undefined, (err) => err);
const fromEsm = await auth.verify('nope').then(() => undefined, (err) => err);
const crossSub = (await auth.verify(await cjsAuth.issue({ sub: 'b' }))).sub;

console.log(JSON.stringify({
  keys: Object.keys(esm).sort(),
  sub: claims.sub,
  resolved: fileURLToPath(import.meta.resolve('jwt-gate')),
  subpaths,
  twoCopies: esm.AuthError !== cjs.AuthError,
  cjsErrorInstanceofEsm: fromCjs instanceof esm.AuthError,
  cjsErrorCode: fromCjs?.code,
  esmRecognisesCjsError: esm.isAuthError(fromCjs),
  cjsRecognisesEsmError: cjs.isAuthError(fromEsm),
  esmErrorCode: fromEsm?.code,
  crossSub,
}));
`;

// Loads the main entry and jwt-gate/express, as an Express app does, and prints the package's files the process
// read: a process pays for each one at start-up. (CommonJS: the require cache. ESM: a load hook, which posts each
// URL on a port and answers a last message after them, so every URL has arrived when the answer does.)
const LOAD_PROBE_CJS = `
require('jwt-gate');
require('jwt-gate/express');
console.log(JSON.stringify(Object.keys(require.cache)));
`;
const LOAD_PROBE_ESM = `
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
const hooks = \`let port;
export function initialize(data) {
  port = data.port;
  port.on('message', () => port.postMessage('done'));
}
export async function load(url, context, next) {
  if (url.startsWith('file:')) port.postMessage(url);
  return next(url, context);
}\`;
const { port1, port2 } = new MessageChannel();
const files = [];
const done = new Promise((resolve) => port1.on('message', (m) => (m === 'done' ? resolve() : files.push(fileURLToPath(m)))));
register('data:text/javascript,' + encodeURIComponent(hooks), import.meta.url, { data: { port: port2 }, transferList: [port2] });
await import('jwt-gate');
await import('jwt-gate/express');
port1.postMessage('flush');
await done;
port1.close();
console.log(JSON.stringify(files));
`;

// A configuration mistake thrown inside the package, seen with --enable-source-maps: the stack names the source.
const STACK_PROBE = (load: string): string => `
${load}
try {
  m.hs256('too short');
} catch (err) {
  console.log(JSON.stringify({ stack: err.stack }));
}
`;

// One copy of the core per module system, whichever entry a name comes from: the kit's functions are the main
// entry's, and an error the Express adapter hands to next() is an instance of the main entry's AuthError.
const SAME_CORE_PROBE = (load: string): string => `
${load}
const auth = main.createAuth({ key: main.hs256('x'.repeat(32)) });
const forwarded = new Promise((resolve) =>
  express.requireAuth(auth, { errors: 'forward' })(
    { headers: {}, method: 'GET', originalUrl: '/', url: '/' },
    { headersSent: false },
    resolve,
  ),
);
forwarded.then((err) => {
  console.log(JSON.stringify({
    sameGuard: kit.createGuard === main.createGuard,
    sameToAuth: kit.toAuth === main.toAuth,
    forwardedCode: err?.code,
    forwardedIsAuthError: err instanceof main.AuthError,
  }));
});
`;
const REQUIRE_ALL = `const main = require('jwt-gate'); const kit = require('jwt-gate/adapter-kit'); const express = require('jwt-gate/express');`;
const IMPORT_ALL = `import * as main from 'jwt-gate'; import * as kit from 'jwt-gate/adapter-kit'; import * as express from 'jwt-gate/express';`;

// The apps of test/consumer/, compiled with this repo's TypeScript, @types/node and framework types (npm test
// installs nothing from the registry but the tarball's own dependency). scripts/check-types.mjs (CI) compiles
// them in fresh projects, over the @types/node majors, with every lib checked.
const CONSUMER_FILES = ['core.ts', 'express.ts', 'koa.ts', 'fastify.ts', 'adapter-kit.ts', 'passport.ts'];
const cts = (files: readonly string[]): string[] => files.flatMap((f) => [f, f.replace(/\.ts$/, '.cts')]);

// One tsconfig per module resolution a consumer may use; node10 (TypeScript's old "node") knows no `exports`,
// so `jwt-gate/express` resolves there through typesVersions. Libs are checked for the framework-free app only:
// beside express 5.3, whose content-disposition 2 is hoisted here, @types/koa fails its own lib check.
const TSCONFIGS = {
  'core, lib check on': {
    options: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false },
    files: cts(['core.ts']),
  },
  nodenext: { options: { module: 'nodenext', moduleResolution: 'nodenext' }, files: cts(CONSUMER_FILES) },
  bundler: { options: { module: 'esnext', moduleResolution: 'bundler' }, files: CONSUMER_FILES },
  node10: {
    options: {
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: true,
      ignoreDeprecations: '6.0',
    },
    files: CONSUMER_FILES,
  },
} as const;
const tsconfigFile = (name: string): string => `tsconfig.${name.replace(/\W+/g, '-')}.json`;

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(dir, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

interface CjsReport {
  keys: string[];
  sub: string;
  resolved: string;
  subpaths: Record<string, string[]>;
}

interface EsmReport extends CjsReport {
  twoCopies: boolean;
  cjsErrorInstanceofEsm: boolean;
  cjsErrorCode: string;
  esmRecognisesCjsError: boolean;
  cjsRecognisesEsmError: boolean;
  esmErrorCode: string;
  crossSub: string;
}

describe('the packed tarball', () => {
  let dir: string;
  let app: string;
  let files: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-gate-packaging-'));
    const stage = join(dir, 'repo');
    const packDir = join(dir, 'pack');
    app = join(dir, 'app');
    mkdirSync(packDir);
    mkdirSync(app);

    // Everything npm pack could see, minus build output and what is never published.
    for (const entry of readdirSync(root)) {
      if (['node_modules', 'dist', '.git', 'coverage'].includes(entry) || entry.endsWith('.tgz')) continue;
      cpSync(join(root, entry), join(stage, entry), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'junction');

    const packed = JSON.parse(
      mustRun('npm pack', 'npm', ['pack', '--json', '--pack-destination', packDir], stage),
    ) as [{ filename: string }];
    const tarball = join(packDir, packed[0].filename);
    files = mustRun('tar -tzf', 'tar', ['-tzf', tarball], dir)
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));

    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    mustRun(
      'npm install <tarball>',
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
      app,
    );

    writeFileSync(join(app, 'probe.cjs'), CJS_PROBE);
    writeFileSync(join(app, 'probe.mjs'), ESM_PROBE);
    writeFileSync(join(app, 'load.cjs'), LOAD_PROBE_CJS);
    writeFileSync(join(app, 'load.mjs'), LOAD_PROBE_ESM);
    writeFileSync(join(app, 'stack.cjs'), STACK_PROBE(`const m = require('jwt-gate');`));
    writeFileSync(join(app, 'stack.mjs'), STACK_PROBE(`import * as m from 'jwt-gate';`));
    writeFileSync(join(app, 'core.cjs'), SAME_CORE_PROBE(REQUIRE_ALL));
    writeFileSync(join(app, 'core.mjs'), SAME_CORE_PROBE(IMPORT_ALL));
    // In a "type": "module" project, .ts is ESM and .cts is CommonJS under nodenext.
    for (const file of CONSUMER_FILES) {
      const source = readFileSync(join(root, 'test', 'consumer', file), 'utf8');
      writeFileSync(join(app, file), source);
      writeFileSync(join(app, file.replace(/\.ts$/, '.cts')), source);
    }
    // The framework types of this repo, where the consumer's own install would put them (Fastify ships its own).
    for (const name of ['@types/express', '@types/koa', 'fastify', '@types/passport']) {
      mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'junction');
    }
    for (const [name, { options, files: tsFiles }] of Object.entries(TSCONFIGS)) {
      writeFileSync(
        join(app, tsconfigFile(name)),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [join(root, 'node_modules', '@types')],
            ...options,
          },
          files: tsFiles,
        }),
      );
    }
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function probe<T>(file: string, flags: readonly string[] = []): T {
    const r = run(process.execPath, [...flags, file], app);
    expect(r.status, failure(`node ${file}`, r)).toBe(0);
    return JSON.parse(r.stdout) as T;
  }

  it('holds dist/, package.json and README.md, and no sources or tests', () => {
    expect(files).toContain('package.json');
    expect(
      files,
      'README.md is not in the tarball: npm packs it from the repo root when it exists',
    ).toContain('README.md');
    for (const entry of [
      'dist/esm/src/index.js',
      'dist/esm/src/index.d.ts',
      'dist/cjs/src/index.js',
      'dist/cjs/src/index.d.ts',
      'dist/cjs/package.json',
    ]) {
      expect(files).toContain(entry);
    }
    const stray = files.filter(
      (f) =>
        /^(src|test|adapters|examples|bench|scripts)\//.test(f) ||
        (/\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f)),
    );
    expect(stray, `unexpected files in the tarball:\n${stray.join('\n')}`).toEqual([]);
  });

  it('loads from require and import with the same exports', () => {
    const cjs = probe<CjsReport>('probe.cjs');
    const esm = probe<EsmReport>('probe.mjs');
    expect(cjs.resolved).toMatch(/[\\/]dist[\\/]cjs[\\/]/);
    expect(esm.resolved).toMatch(/[\\/]dist[\\/]esm[\\/]/);
    expect(esm.keys).toEqual(cjs.keys);
    expect(esm.keys).toEqual(
      expect.arrayContaining(['createAuth', 'hs256', 'rs256', 'AuthError', 'isAuthError', 'toHttpError']),
    );
    expect(esm.subpaths).toEqual(cjs.subpaths);
    // Loaded without passport installed: the strategy needs nothing of passport at run time.
    expect(esm.subpaths['jwt-gate/passport']).toEqual(['JwtGateStrategy']);
  });

  it('issues and verifies from both module systems', () => {
    expect(probe<CjsReport>('probe.cjs').sub).toBe('a');
    const esm = probe<EsmReport>('probe.mjs');
    expect(esm.sub).toBe('a');
    expect(esm.crossSub, 'a token issued by the CJS copy verifies in the ESM copy').toBe('b');
  });

  it('recognises an AuthError across the CJS and ESM copies (the brand, not instanceof)', () => {
    const r = probe<EsmReport>('probe.mjs');
    expect(r.twoCopies, 'require and import should load two copies, or this test proves nothing').toBe(true);
    expect(r.cjsErrorInstanceofEsm).toBe(false);
    expect(r.cjsErrorCode).toBe('ERR_TOKEN_MALFORMED');
    expect(r.esmErrorCode).toBe('ERR_TOKEN_MALFORMED');
    expect(r.esmRecognisesCjsError).toBe(true);
    expect(r.cjsRecognisesEsmError).toBe(true);
  });

  // Start-up: an app pays for every file it loads (issue 19 measured 71 for these two entries, one per source file).
  it.each(['load.cjs', 'load.mjs'])(
    'loads a handful of files for jwt-gate + jwt-gate/express (%s)',
    (file) => {
      const loaded = probe<string[]>(file);
      const pkg = `${join('node_modules', 'jwt-gate')}${sep}`;
      const own = loaded.filter((f) => f.includes(pkg)).map((f) => f.slice(f.lastIndexOf(pkg) + pkg.length));
      expect(own).toContain(join('dist', file.endsWith('.cjs') ? 'cjs' : 'esm', 'adapters', 'express.js'));
      expect(own.length, `files of the package loaded:\n${own.join('\n')}`).toBeLessThanOrEqual(5);
      // cookie is the one runtime dependency, and it is loaded, not copied in.
      expect(loaded.some((f) => f.includes(`${join('node_modules', 'cookie')}${sep}`))).toBe(true);
    },
  );

  it.each(['stack.cjs', 'stack.mjs'])(
    'maps a stack trace to the TypeScript source under --enable-source-maps (%s)',
    (file) => {
      const { stack } = probe<{ stack: string }>(file, ['--enable-source-maps']);
      expect(stack).toMatch(/^RangeError: jwt-gate: an HS256 secret must be at least 32 bytes/);
      expect(stack).toMatch(/[\\/]src[\\/]keys[\\/]hs256\.ts:\d+:\d+/);
    },
  );

  it.each(['core.cjs', 'core.mjs'])('shares one core between the entries (%s)', (file) => {
    expect(probe(file)).toEqual({
      sameGuard: true,
      sameToAuth: true,
      forwardedCode: 'ERR_TOKEN_MISSING',
      forwardedIsAuthError: true,
    });
  });

  it.each(Object.entries(TSCONFIGS))(
    'type-checks the consumer apps: %s %j',
    (name) => {
      const r = run(process.execPath, [tsc, '-p', tsconfigFile(name)], app);
      expect(r.status, failure(`tsc -p ${tsconfigFile(name)}`, r)).toBe(0);
    },
    60_000,
  );

  // Editors strike them through and typescript-eslint's no-deprecated flags them, from either module system.
  it.each(['esm', 'cjs'])("marks the kit's names on the main entry @deprecated (%s)", (system) => {
    const dist = join(app, 'node_modules', 'jwt-gate', 'dist', system, 'src');
    const main = readFileSync(join(dist, 'index.d.ts'), 'utf8');
    const kit = readFileSync(join(dist, 'adapter-kit', 'index.d.ts'), 'utf8');
    const exported = (text: string): string[] =>
      [...text.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap(([, names]) =>
        (names as string)
          .split(',')
          .map((n) => n.replace(/\/\*\*[^]*?\*\//g, '').trim())
          .filter(Boolean),
      );
    const deprecated = [...main.matchAll(/@deprecated[^*]*\*\/\s*(\w+)/g)].map(([, name]) => name).sort();
    const appFacing = [
      'AccessRules',
      'ErrorStyle',
      'GuardOptions',
      'JwksHandlerOptions',
      'PeerInnerError',
      'SkipRules',
      'UnauthorizedErrorCode',
    ];
    // Newer than the deprecated aliases: never on the main entry.
    const kitOnly: readonly string[] = ['Framework', ...KIT_ONLY_VALUES];
    expect(deprecated).toEqual(
      exported(kit)
        .filter((name) => !appFacing.includes(name) && !kitOnly.includes(name))
        .sort(),
    );
    expect(exported(main).filter((name) => kitOnly.includes(name))).toEqual([]);
    expect(deprecated).toContain('createGuard');
  });

  // @types/node 25 and later export no JsonWebKey from node:crypto: a declaration naming it breaks those
  // consumers (and is `any` under skipLibCheck). The JWK shape is our own `Jwk`.
  it("declares nothing with node:crypto's JsonWebKey", () => {
    const dist = join(app, 'node_modules', 'jwt-gate', 'dist');
    const declarations = walk(dist).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    // Any use of the name, imported or qualified (`import('node:crypto').JsonWebKey`); comments may mention it.
    const code = (f: string): string =>
      readFileSync(join(dist, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const naming = declarations.filter((f) => /\bJsonWebKey\b/.test(code(f)));
    expect(naming).toEqual([]);
  });
});

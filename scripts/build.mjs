// The build: a bundle per public entry, so an app loads a handful of files at start-up instead of one per
// source file (docs/performance.md), while src/ keeps one concept per file.
// 1. tsc checks the types and writes the declarations, one .d.ts per source file, to dist/esm; dist/cjs gets
//    the same files.
// 2. esbuild bundles every entry of package.json "exports" (its `import` path names the source: a new entry
//    there is built with no change here) into dist/esm, with code splitting: what several entries share is
//    one chunk, loaded once, so the core's state (the AuthError class, the sessions a guard remembered) is one
//    copy whichever entry a name comes from. Packages (`cookie`, `node:*`) stay imports.
// 3. dist/cjs holds the same files, each turned into CommonJS: the entries require the same chunks.
// Source maps go beside every file, with the sources inside them (the tarball holds no src/).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const ESM = 'dist/esm';
const CJS = 'dist/cjs';

/** The source of each public entry, from package.json "exports": `./dist/esm/src/index.js` → `src/index.ts`. */
function entrySources() {
  const { exports } = JSON.parse(readFileSync('package.json', 'utf8'));
  return Object.entries(exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, conditions]) => {
      const esm = conditions.import.default;
      const source = esm.replace(/^\.\/dist\/esm\//, '').replace(/\.js$/, '.ts');
      if (!esm.startsWith(`./${ESM}/`) || conditions.require.default !== esm.replace(ESM, CJS))
        throw new Error(
          `build: exports["${subpath}"] must name ./${ESM}/… and the same path under ./${CJS}/`,
        );
      if (!existsSync(source)) throw new Error(`build: exports["${subpath}"]: no source ${source}`);
      return source;
    });
}

/** Every file under `dir` whose name ends with `suffix`. */
function walk(dir, suffix) {
  return (
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
      // `parentPath` since Node 20.12, `path` before it.
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
  );
}

rmSync('dist', { recursive: true, force: true });
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--emitDeclarationOnly'], {
  stdio: 'inherit',
});
if (status !== 0) process.exit(status ?? 1);

const common = { platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };
await build({
  ...common,
  entryPoints: entrySources(),
  outbase: '.',
  outdir: ESM,
  bundle: true,
  splitting: true,
  format: 'esm',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  tsconfig: 'tsconfig.json',
});
await build({
  ...common,
  entryPoints: walk(ESM, '.js'),
  outbase: ESM,
  outdir: CJS,
  format: 'cjs',
});
for (const declaration of walk(ESM, '.d.ts')) {
  const target = join(CJS, relative(ESM, declaration));
  mkdirSync(join(target, '..'), { recursive: true });
  cpSync(declaration, target);
}
writeFileSync(`${CJS}/package.json`, '{ "type": "commonjs" }\n');

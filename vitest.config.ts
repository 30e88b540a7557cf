import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type Plugin } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// `vitest run --mode dist` (`npm run test:dist`, after a build): the public entries resolve to the bundles in
// dist/esm instead of the sources, so the suite checks the code users run. The builds are named by package.json
// "exports", as scripts/build.mjs reads them. Test files that import a module which is no entry test a part of
// the sources and are left out: two copies of one module would meet in them.
const exportsMap = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: object })
  .exports;
const BUILDS = new Map(
  Object.entries(exportsMap as Record<string, { import?: { default: string } }>).flatMap(([, conditions]) => {
    const build = conditions.import?.default;
    if (build === undefined) return [];
    return [[join(root, build.replace(/^\.\/dist\/esm\//, '').replace(/\.js$/, '.ts')), join(root, build)]];
  }),
);
const sourceOf = (from: string, spec: string): string => resolve(from, spec).replace(/\.js$/, '.ts');

function entriesFromDist(): Plugin {
  return {
    name: 'jwt-gate:entries-from-dist',
    // After the aliases below, so `jwt-gate` arrives as the entry's source path.
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer === undefined || !/^[./]/.test(source)) return null;
      return BUILDS.get(sourceOf(dirname(importer), source)) ?? null;
    },
  };
}

function testsOfParts(): string[] {
  const files = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.test.ts'),
  );
  const library = /^(?:src|adapters)[\\/]/;
  return files.filter((file) => {
    const text = readFileSync(join(root, 'test', file), 'utf8');
    return [...text.matchAll(/^import (?!type )[^;]*?from '(\.[^']*)'/gm)].some(([, spec]) => {
      const source = sourceOf(dirname(join(root, 'test', file)), spec as string);
      return library.test(relative(root, source)) && !BUILDS.has(source);
    });
  });
}

// Tests that start the examples in processes of their own (`npm start`: tsx, the sources): no bundle is theirs.
const OWN_PROCESSES = ['test/browser/**', 'test/examples-start.test.ts'];

export default defineConfig(({ mode }) => ({
  plugins: mode === 'dist' ? [entriesFromDist()] : [],
  resolve: {
    // Examples import 'jwt-gate' as an app would; tests run them against the source.
    alias: [
      { find: /^jwt-gate$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^jwt-gate\/adapter-kit$/,
        replacement: fileURLToPath(new URL('./src/adapter-kit/index.ts', import.meta.url)),
      },
      {
        find: /^jwt-gate\/(express|koa|fastify|passport)$/,
        replacement: fileURLToPath(new URL('./adapters/$1.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(mode === 'dist' ? [...testsOfParts().map((f) => `test/${f}`), ...OWN_PROCESSES] : []),
    ],
    testTimeout: 20_000,
    // Above the Redis helpers' own start timeout (20 s), so a slow start fails with their message.
    hookTimeout: 60_000,
    // `npm test` runs with --coverage; these floors fail the run when coverage drops below them.
    coverage: {
      provider: 'v8',
      include: ['src/**', 'adapters/**'],
      reporter: ['text-summary', 'html'],
      thresholds: { statements: 95, branches: 90, functions: 97, lines: 97 },
    },
  },
}));

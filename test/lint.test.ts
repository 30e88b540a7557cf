// The layer rules of eslint.config.js, through ESLint's own API: an import that runs up a floor fails
// `npm run lint` with the rule's message, one that runs down passes. Probes are linted as text at a path
// on their floor (nothing is written into src/), with only the layer rules on: no type information is built.
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const LAYER_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports']);
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { project: false, projectService: false } } },
  ruleFilter: ({ ruleId }) => LAYER_RULES.has(ruleId),
});

/** The layer rules' complaints about `code` linted as the file at `path`. */
async function lint(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

const importOf = (from: string, to: string): string => {
  const spec = relative(dirname(from), to).replace(/\.ts$/, '.js');
  return `export * from '${spec.startsWith('.') ? spec : `./${spec}`}';\n`;
};

// Bottom first, as docs/development.md draws them: where a probe stands on the floor, and a real file of it.
// Two units on one row stand side by side.
const FLOORS: readonly (readonly {
  readonly unit: string;
  readonly probe: string;
  readonly file: string;
}[])[] = [
  [{ unit: 'base', probe: 'src/validate.ts', file: 'src/errors.ts' }],
  [{ unit: 'jws/', probe: 'src/jws/probe.ts', file: 'src/jws/jws.ts' }],
  [
    { unit: 'keys/', probe: 'src/keys/probe.ts', file: 'src/keys/provider.ts' },
    { unit: 'stores/', probe: 'src/stores/probe.ts', file: 'src/stores/store.ts' },
  ],
  [{ unit: 'token/', probe: 'src/token/probe.ts', file: 'src/token/tokens.ts' }],
  [{ unit: 'cookies/', probe: 'src/cookies/probe.ts', file: 'src/cookies/cookie.ts' }],
  [{ unit: 'authentication/', probe: 'src/authentication/probe.ts', file: 'src/authentication/request.ts' }],
  [{ unit: 'session/', probe: 'src/session/probe.ts', file: 'src/session/sign-in.ts' }],
  [{ unit: 'root', probe: 'src/options.ts', file: 'src/auth.ts' }],
  [{ unit: 'adapter-kit/', probe: 'src/adapter-kit/probe.ts', file: 'src/adapter-kit/index.ts' }],
  [{ unit: 'index.ts', probe: 'src/index.ts', file: 'src/index.ts' }],
];
const ADAPTER = 'adapters/probe.ts';
const ENTRIES = ['src/index.ts', 'src/adapter-kit/index.ts'];

const upward = FLOORS.flatMap((floor, i) =>
  floor.flatMap((low) =>
    FLOORS.slice(i + 1)
      .flat()
      .map((high) => [low.unit, high.unit, low.probe, high.file] as const),
  ),
);
const downward = FLOORS.flatMap((floor, i) =>
  floor.flatMap((high) =>
    FLOORS.slice(0, i)
      .flat()
      .map((low) => [high.unit, low.unit, high.probe, low.file] as const),
  ),
);

describe('the layer rules', () => {
  it.each(upward)('%s importing %s fails lint', async (_low, _high, probe, file) => {
    const messages = await lint(probe, importOf(probe, file));
    expect(messages).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*a floor above this file's/),
    ]);
  });

  it.each(downward)('%s importing %s passes', async (_high, _low, probe, file) => {
    expect(await lint(probe, importOf(probe, file))).toEqual([]);
  });

  it.each([
    ['keys/', 'src/keys/probe.ts', 'src/stores/store.ts'],
    ['stores/', 'src/stores/probe.ts', 'src/keys/provider.ts'],
  ])('%s importing its neighbour fails lint', async (_unit, probe, file) => {
    expect(await lint(probe, importOf(probe, file))).toEqual([
      expect.stringMatching(/no-restricted-paths: .*keys\/ and stores\/ stand side by side/),
    ]);
  });

  it('jws/ imports errors.ts and node:crypto, nothing else', async () => {
    const probe = 'src/jws/probe.ts';
    expect(
      await lint(probe, "import { createHash } from 'node:crypto';\n" + importOf(probe, 'src/errors.ts')),
    ).toEqual([]);
    expect(await lint(probe, importOf(probe, 'src/validate.ts'))).toEqual([
      expect.stringMatching(/no-restricted-paths: .*jws\/ stands on errors\.ts and node:crypto alone/),
    ]);
    expect(await lint(probe, "import { parse } from 'cookie';\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*jws\/ stands on errors\.ts and node:crypto alone/),
    ]);
  });

  it.each(['express', 'koa', 'koa/lib/context', 'fastify', 'fastify-plugin', '@fastify/jwt'])(
    'src/ importing %s fails lint',
    async (name) => {
      expect(
        await lint('src/session/probe.ts', `import type * as host from '${name}';\nexport type { host };\n`),
      ).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/ never imports a framework/)]);
    },
  );

  it.each(ENTRIES)('an adapter importing the public entry %s passes', async (entry) => {
    expect(await lint(ADAPTER, importOf(ADAPTER, entry))).toEqual([]);
  });

  it.each(
    FLOORS.flat()
      .map(({ unit, file }) => [unit, file] as const)
      .filter(([, file]) => !ENTRIES.includes(file)),
  )('an adapter importing %s fails lint', async (_unit, file) => {
    expect(await lint(ADAPTER, importOf(ADAPTER, file))).toEqual([
      expect.stringMatching(/no-restricted-paths: .*adapters import only the public entries/),
    ]);
  });

  it.each([
    ['adapters/express.ts', 'adapters/koa.ts'],
    ['adapters/koa.ts', 'adapters/express.ts'],
    ['adapters/fastify.ts', 'adapters/express.ts'],
    ['adapters/fastify.ts', 'adapters/koa.ts'],
    ['adapters/express.ts', 'adapters/fastify.ts'],
    ['adapters/koa.ts', 'adapters/fastify.ts'],
  ])('%s importing %s fails lint', async (probe, file) => {
    expect(await lint(probe, importOf(probe, file))).toEqual([
      expect.stringMatching(/no-restricted-paths: .*adapters never import each other/),
    ]);
  });

  it('src/ importing adapters/ fails lint', async () => {
    const probe = 'src/index.ts';
    expect(await lint(probe, importOf(probe, 'adapters/express.ts'))).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*a floor above this file's/),
    ]);
  });

  it('every folder and file at the top of src/ stands on a floor', async () => {
    const config = (await eslint.calculateConfigForFile(join(root, 'src/index.ts'))) as {
      rules: Record<string, [string, { zones: { target: string | string[] }[] }]>;
    };
    const targets = new Set(config.rules['import-x/no-restricted-paths']![1].zones.flatMap((z) => z.target));
    const entries = readdirSync(join(root, 'src')).map((name) => `src/${name}`);
    expect(entries.filter((entry) => !targets.has(entry))).toEqual([]);
  });

  it('the tree as it is passes them', async () => {
    const results = await eslint.lintFiles(['src', 'adapters']);
    expect(results.length).toBeGreaterThan(60);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`))).toEqual([]);
  });
});

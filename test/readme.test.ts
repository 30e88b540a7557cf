// README.md and the guides in docs/*.md as a reader meets them: every ```ts block type-checks under strict
// against the sources, each as its own module, and every relative link and #anchor (of the page itself or of
// another) leads somewhere. The blocks may use the few names a page leaves out (an app, a handler, a password
// check...): AMBIENT declares them, once, for all blocks of all pages.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// The pages, by their path from the repository root: README.md, then every docs/*.md (a page added is checked).
const PAGES = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const read = (page: string): string => readFileSync(join(root, page), 'utf8');

// Packages the pages' recipes use that this repo does not install: the part of each API the recipes call,
// with the signatures of the packages' own types. None today: pino comes with Fastify, @opentelemetry/api is a
// dev dependency (docs/events.md's recipes are also run: test/readme-recipes.test.ts), so each is checked with its own types.
const STUBS_FOR: readonly string[] = [];
const STUBS = '';

// What the pages leave to the reader's app, and nothing more: each name is one a snippet uses without
// defining it, typed as the app would have it. A snippet that defines the name itself shadows it.
const AMBIENT = `
declare const app: import('express').Express;
declare const auth: import('jwt-gate').Auth;
declare const handler: import('express').RequestHandler;
declare function checkPassword(body: unknown): Promise<{ id: string; role: 'admin' | 'member' } | undefined>;
declare const publicPem: string;
declare const rsaPem: string;
declare const ed25519Pem: string;
declare const req: import('node:http').IncomingMessage;
declare const res: import('node:http').ServerResponse;
declare const isHttps: boolean;
${STUBS}`;

interface Snippet {
  readonly page: string; // from the repository root, e.g. docs/sessions.md
  readonly line: number; // of the opening fence, 1-based
  readonly code: string;
}

function tsSnippets(page: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    snippets.push({ page, line: markdown.slice(0, match.index).split('\n').length, code: match[1] ?? '' });
  }
  return snippets;
}

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitReturns: true,
  types: ['node'],
  noEmit: true,
  skipLibCheck: true,
  paths: {
    'jwt-gate': [join(root, 'src/index.ts')],
    'jwt-gate/express': [join(root, 'adapters/express.ts')],
    'jwt-gate/koa': [join(root, 'adapters/koa.ts')],
    'jwt-gate/fastify': [join(root, 'adapters/fastify.ts')],
    'jwt-gate/passport': [join(root, 'adapters/passport.ts')],
    'jwt-gate/adapter-kit': [join(root, 'src/adapter-kit/index.ts')],
  },
};

// Type-checks the snippets together with AMBIENT; returns each diagnostic as "page:line: TSxxxx message".
function check(snippets: readonly Snippet[]): string[] {
  const dir = join(root, 'test', '.readme-snippets'); // never written: the host serves these files from memory
  const ambientFile = join(dir, 'ambient.d.ts');
  const files = new Map<string, { text: string; snippet?: Snippet }>([[ambientFile, { text: AMBIENT }]]);
  // `export {}` makes each snippet a module of its own, imports or not (AMBIENT stays a script: its names are global).
  for (const snippet of snippets)
    files.set(join(dir, `${snippet.page.replace(/\W/g, '-')}-${snippet.line}.ts`), {
      text: `${snippet.code}export {};\n`,
      snippet,
    });
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name)?.text ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const file = files.get(name);
    return file
      ? ts.createSourceFile(name, file.text, language, true)
      : getSourceFile(name, language, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const out: string[] = [];
  const describeOne = (d: ts.Diagnostic): string => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const file = d.file ? files.get(d.file.fileName) : undefined;
    if (!d.file || d.start === undefined) return `TS${d.code} ${text}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const where = file?.snippet
      ? `${file.snippet.page}:${file.snippet.line + 1 + line}`
      : `${d.file.fileName}:${line + 1}`;
    return `${where}: TS${d.code} ${text}`;
  };
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()])
    out.push(describeOne(d));
  for (const name of files.keys()) {
    const sourceFile = program.getSourceFile(name);
    if (!sourceFile) {
      out.push(`${name}: not in the program`);
      continue;
    }
    for (const d of [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ])
      out.push(describeOne(d));
  }
  return out;
}

// GitHub's (and npm's) heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2... for repeats.
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = (match[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, '');
}

function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** The targets of the inline links `[text](target)` outside code, and of reference definitions `[x]: target`. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  return [...text.matchAll(/\]\(([^()\s]+)(?: "[^"]*")?\)/g), ...text.matchAll(/^\[[^\]]+\]: *(\S+)/gm)].map(
    (m) => m[1] ?? '',
  );
}

/**
 * The relative links (and #anchors) of `markdown`, the page at `page` (from the repository root), that lead
 * nowhere: a file that does not exist, or a heading that the page, or the page linked to, does not have.
 */
function brokenLinks(page: string, markdown: string): string[] {
  return linkTargets(markdown)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
    .filter((t) => {
      const [path = '', fragment] = t.split('#');
      if (path === '') return !anchors(markdown).has(decodeURIComponent(fragment ?? ''));
      const target = join(root, dirname(page), decodeURIComponent(path));
      if (!existsSync(target)) return true;
      if (fragment === undefined) return false;
      // Only a Markdown page has headings to point to.
      if (statSync(target).isDirectory() || !target.endsWith('.md')) return true;
      return !anchors(readFileSync(target, 'utf8')).has(decodeURIComponent(fragment));
    });
}

const snippets = PAGES.flatMap((page) => tsSnippets(page, read(page)));

// One program for every snippet but those that augment a global (Express.User): each of them gets a program
// of its own, so it changes no other. Built once, on first use, for the tests of every page.
let diagnostics: string[] | undefined;
function snippetErrors(): string[] {
  if (!diagnostics) {
    const global = snippets.filter((s) => /\bdeclare global\b/.test(s.code));
    const shared = snippets.filter((s) => !global.includes(s));
    diagnostics = [...check(shared), ...global.flatMap((s) => check([s]))];
  }
  return diagnostics;
}

describe('README.md and docs/*.md', () => {
  it('have TypeScript snippets to check, the README its quick starts', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(25);
    expect(snippets.filter((s) => s.page === 'README.md').length).toBeGreaterThanOrEqual(4);
  });

  it('declares no ambient name that no snippet needs', () => {
    const names = [...AMBIENT.matchAll(/^declare (?:const|function) (\w+)/gm)].map((m) => m[1] ?? '');
    expect(names.length).toBeGreaterThan(0);
    const unused = names.filter((name) => !snippets.some((s) => new RegExp(`\\b${name}\\b`).test(s.code)));
    expect(unused).toEqual([]);
  });

  it('stubs only packages that are not installed (an installed one is checked with its own types)', () => {
    const resolve = createRequire(join(root, 'package.json')).resolve;
    const installed = STUBS_FOR.filter((name) => {
      try {
        resolve(`${name}/package.json`);
        return true;
      } catch {
        return false;
      }
    });
    expect(installed).toEqual([]);
    expect(STUBS_FOR.filter((name) => !snippets.some((s) => s.code.includes(`from '${name}'`)))).toEqual([]);
  });

  it.each(PAGES)(
    '%s: every ```ts snippet type-checks under strict against the sources',
    (page) => {
      const errors = snippetErrors().filter((e) => e.startsWith(`${page}:`));
      const elsewhere = snippetErrors().filter((e) => !PAGES.some((p) => e.startsWith(`${p}:`)));
      expect([...errors, ...elsewhere].join('\n')).toBe('');
    },
    60_000,
  );

  it('the checker sees a broken snippet, and names its page and line (this test can fail)', () => {
    const errors = check([
      {
        page: 'docs/example.md',
        line: 1,
        code: "import { hs256 } from 'jwt-gate';\nconst n: number = hs256;\napp.use((err, req, res, next) => next(err));\n",
      },
    ]);
    expect(errors.join('\n')).toMatch(/docs\/example\.md:3: TS2322/);
    expect(errors.join('\n')).toMatch(
      /docs\/example\.md:4: TS7006 Parameter 'err' implicitly has an 'any' type/,
    );
  }, 60_000);

  it.each(PAGES)('%s: every relative link points to a file, every #anchor to a heading', (page) => {
    expect(brokenLinks(page, read(page))).toEqual([]);
  });

  it('the pages link to each other: the README to every guide, the index to every page', () => {
    const linked = (page: string): string[] =>
      linkTargets(read(page))
        .filter((t) => !t.includes(':'))
        .map((t) => relative(root, join(root, dirname(page), t.split('#')[0] ?? '')));
    const guides = PAGES.filter((p) => p.startsWith('docs/') && p !== 'docs/README.md');
    expect(guides.length).toBeGreaterThanOrEqual(15);
    expect(guides.filter((p) => !linked('docs/README.md').includes(p))).toEqual([]);
    expect(linked('README.md')).toContain('docs/README.md');
    // The passport-jwt guide is reached through the migration page and the index.
    expect(
      guides.filter((p) => !linked('README.md').includes(p) && p !== 'docs/migrating-from-passport-jwt.md'),
    ).toEqual([]);
    expect(linked('docs/migrating.md')).toContain('docs/migrating-from-passport-jwt.md');
  });

  it('the link check sees a missing file and a missing heading, here or on another page (this test can fail)', () => {
    const md =
      '# Quick start: `Koa`\n\nSee [a](#quick-start-koa), [b](#nowhere), [c](../bench/RESULTS.md), [d](../bench/NOPE.md), [e](https://x.example/y).\n\n## Quick start: `Koa`\n\n[f](#quick-start-koa-1), [g](sessions.md#your-sessions), [h](sessions.md#nowhere), [i](../README.md#try-it), [j](../README.md#nowhere), [k](../bench#x)\n';
    expect(brokenLinks('docs/example.md', md)).toEqual([
      '#nowhere',
      '../bench/NOPE.md',
      'sessions.md#nowhere',
      '../README.md#nowhere',
      '../bench#x',
    ]);
  });

  // typedoc.config.mjs documents every entry point of package.json "exports", an entry added later included.
  it('the API reference covers the source of every public entry point', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { import: { types: string } }>;
    };
    const sources = Object.values(pkg.exports)
      .filter((target) => typeof target === 'object')
      .map((target) => target.import.types);
    expect(sources).toContain('./dist/esm/adapters/express.d.ts');
    const config = (await import(join(root, 'typedoc.config.mjs'))) as { default: { entryPoints: string[] } };
    expect(config.default.entryPoints).toEqual(
      sources.map((types) => `./${types.slice('./dist/esm/'.length, -'.d.ts'.length)}.ts`),
    );
    expect(config.default.entryPoints.filter((source) => !existsSync(join(root, source)))).toEqual([]);
  });

  // npm renders README.md on the package page and resolves its relative links against `repository`.
  it('package.json names the repository, so relative links resolve on the npm page', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.repository).toEqual({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/),
    });
    const repo = (pkg.repository as { url: string }).url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(pkg.homepage).toBe(`${repo}#readme`);
    expect(pkg.bugs).toEqual({ url: `${repo}/issues` });
  });
});

// README.md as a reader meets it: every ```ts block type-checks under strict against the sources, each as its
// own module, and every relative link and #anchor leads somewhere. The blocks may use the few names a README
// leaves out (an app, a handler, a password check...): AMBIENT declares them, once, for all blocks.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

// Packages the README's recipes use that this repo does not install: the part of each API the recipes call,
// with the signatures of the packages' own types. None today: pino comes with Fastify, @opentelemetry/api is a
// dev dependency (its recipe is also run: test/readme-recipes.test.ts), so each is checked with its own types.
const STUBS_FOR: readonly string[] = [];
const STUBS = '';

// What the README leaves to the reader's app, and nothing more: each name is one a snippet uses without
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
  readonly line: number; // of the opening fence, 1-based
  readonly code: string;
}

function tsSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    snippets.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1] ?? '' });
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

// Type-checks the snippets together with AMBIENT; returns each diagnostic as "README.md:line: TSxxxx message".
function check(snippets: readonly Snippet[], page = 'README.md'): string[] {
  const dir = join(root, 'test', '.readme-snippets'); // never written: the host serves these files from memory
  const ambientFile = join(dir, 'ambient.d.ts');
  const files = new Map<string, { text: string; snippet?: Snippet }>([[ambientFile, { text: AMBIENT }]]);
  // `export {}` makes each snippet a module of its own, imports or not (AMBIENT stays a script: its names are global).
  for (const snippet of snippets)
    files.set(join(dir, `readme-${snippet.line}.ts`), { text: `${snippet.code}export {};\n`, snippet });
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
      ? `${page}:${file.snippet.line + 1 + line}`
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

/** The relative links (and #anchors) of `markdown` that lead nowhere, files looked up under `dir` (the page's). */
function brokenLinks(markdown: string, dir = root): string[] {
  const headings = anchors(markdown);
  return linkTargets(markdown)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
    .filter((t) => {
      const [path = '', fragment] = t.split('#');
      if (path === '') return !headings.has(decodeURIComponent(fragment ?? ''));
      return !existsSync(join(dir, decodeURIComponent(path)));
    });
}

describe('README.md', () => {
  const snippets = tsSnippets(readme);

  it('has TypeScript snippets to check', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(10);
  });

  it('every ```ts snippet type-checks under strict against the sources', () => {
    // A snippet that augments a global (Express.User) gets a program of its own, so it changes no other.
    const global = snippets.filter((s) => /\bdeclare global\b/.test(s.code));
    const shared = snippets.filter((s) => !global.includes(s));
    const errors = [...check(shared), ...global.flatMap((s) => check([s]))];
    expect(errors.join('\n')).toBe('');
  }, 60_000);

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

  it('the checker sees a broken snippet (this test can fail)', () => {
    const errors = check([
      {
        line: 1,
        code: "import { hs256 } from 'jwt-gate';\nconst n: number = hs256;\napp.use((err, req, res, next) => next(err));\n",
      },
    ]);
    expect(errors.join('\n')).toMatch(/README\.md:3: TS2322/);
    expect(errors.join('\n')).toMatch(/README\.md:4: TS7006 Parameter 'err' implicitly has an 'any' type/);
  }, 60_000);

  it('every relative link points to a file of the repository, every #anchor to a heading', () => {
    expect(linkTargets(readme).filter((t) => !t.includes(':')).length).toBeGreaterThanOrEqual(3);
    expect(brokenLinks(readme)).toEqual([]);
  });

  it('the link check sees a missing file and a missing heading (this test can fail)', () => {
    const md =
      '# Quick start: `Koa`\n\nSee [a](#quick-start-koa), [b](#nowhere), [c](bench/RESULTS.md), [d](bench/NOPE.md), [e](https://x.example/y).\n\n## Quick start: `Koa`\n\n[f](#quick-start-koa-1)\n';
    expect(brokenLinks(md)).toEqual(['#nowhere', 'bench/NOPE.md']);
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

// The pages of docs/ this file checks too, by the same rules; their links resolve from docs/.
describe.each(['docs/migrating-from-passport-jwt.md'])('%s', (page) => {
  const markdown = readFileSync(join(root, page), 'utf8');
  const snippets = tsSnippets(markdown);

  it('every ```ts snippet type-checks under strict against the sources', () => {
    expect(snippets.length).toBeGreaterThan(0);
    const global = snippets.filter((s) => /\bdeclare global\b/.test(s.code));
    const shared = snippets.filter((s) => !global.includes(s));
    const errors = [...check(shared, page), ...global.flatMap((s) => check([s], page))];
    expect(errors.join('\n')).toBe('');
  }, 60_000);

  it('every relative link points to a file of the repository, every #anchor to a heading', () => {
    expect(brokenLinks(markdown, join(root, page, '..'))).toEqual([]);
  });
});

// `npm run docs:api`: the API reference, from the TSDoc comments of every public entry point. The entry points
// are package.json's "exports" (their sources: the types' path without dist/esm), so an entry added there is
// documented, and must be, with no change here. Every exported name needs a comment: a warning fails the run.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
const entryPoints = Object.values(pkg.exports)
  .filter((target) => typeof target === 'object')
  .map((target) => target.import.types.replace(/^\.\/dist\/esm\//, './').replace(/\.d\.ts$/, '.ts'));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints,
  out: 'docs/api',
  tsconfig: 'tsconfig.json',
  readme: 'none',
  excludeExternals: true,
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Every exported name, and every method: members of an interface are documented where a reader needs more
  // than the name (a union's `type`, a JWK's `kty` say what they are).
  requiredToBeDocumented: [
    'Enum',
    'Variable',
    'Function',
    'Class',
    'Interface',
    'TypeAlias',
    'Method',
    'Accessor',
  ],
  treatWarningsAsErrors: true,
  // Source links from package.json's repository, not from the clone's git remote: a checkout without one
  // (or with a local path) would otherwise warn, and warnings fail the run.
  disableGit: true,
  sourceLinkTemplate: `${repository}/blob/main/{path}#L{line}`,
  // Named inside `Algorithm` (the names of its union), documented there; not an export of its own.
  intentionallyNotExported: ['src/jws/jwa.ts:LegacyAlgorithm'],
};

// typescript-eslint, type-aware: recommended and strict. Formatting is Prettier's, not ESLint's.
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The floors of src/, bottom first (docs/development.md). A file imports its own floor and the floors
// below it, never one above; keys/ and stores/ stand side by side and never import each other.
const FLOORS = [
  [
    'src/errors.ts',
    'src/events.ts',
    'src/event-error.ts',
    'src/outage.ts',
    'src/validate.ts',
    'src/duration.ts',
    'src/promise.ts',
    'src/refusal.ts',
  ],
  ['src/jws'],
  ['src/keys', 'src/stores'],
  ['src/token'],
  ['src/cookies'],
  ['src/authentication'],
  ['src/session'],
  ['src/auth.ts', 'src/options.ts', 'src/resolve-options.ts'],
  ['src/adapter-kit'],
  ['src/index.ts'],
];
const ENTRIES = ['./index.ts', './adapter-kit/index.ts'];
const ADAPTERS = ['adapters/express.ts', 'adapters/koa.ts', 'adapters/fastify.ts', 'adapters/passport.ts'];
const ABOVE = "It stands on a floor above this file's: imports only point down (docs/development.md).";
const layers = [
  ...FLOORS.map((floor, i) => ({
    target: floor,
    from: [...FLOORS.slice(i + 1).flat(), 'adapters'],
    message: ABOVE,
  })),
  {
    target: 'src/jws',
    from: FLOORS[0].filter((file) => file !== 'src/errors.ts'),
    message: 'jws/ stands on errors.ts and node:crypto alone',
  },
  { target: 'src/keys', from: 'src/stores', message: 'keys/ and stores/ stand side by side' },
  { target: 'src/stores', from: 'src/keys', message: 'keys/ and stores/ stand side by side' },
  { target: 'adapters', from: 'src', except: ENTRIES, message: 'adapters import only the public entries' },
  ...ADAPTERS.map((adapter) => ({
    target: adapter,
    from: ADAPTERS.filter((other) => other !== adapter),
    message: 'adapters never import each other',
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.keys/', 'docs/api/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The library checks its callers' input at run time, whatever the types say: JavaScript callers
      // pass null, strings and numbers where the types forbid them. Those checks are the point.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `declare global { namespace Express { ... } }` is how Express's request type is extended.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // A caught value is rethrown or rejected as it came: what was thrown is not ours to wrap.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // An async method without await keeps an interface's promise while a throw still rejects.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**', 'adapters/**'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layers }],
    },
  },
  {
    files: ['src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(express|koa|fastify|fastify-plugin|@fastify/.+|passport|passport-.+)(/|$)',
              message: 'src/ never imports a framework',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/jws/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\.|node:crypto$)', message: 'jws/ stands on errors.ts and node:crypto alone' },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies and assert on them; `!` and unbound methods there are the tests' business.
    files: ['test/**', 'bench/**', 'examples/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/no-deprecated': 'off',
      // Tests stringify and spread hostile input on purpose, and delete headers by name.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-misused-spread': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

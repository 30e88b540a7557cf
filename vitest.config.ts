import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import 'jwt-gate' as an app would; tests run them against the source.
    alias: [
      { find: /^jwt-gate$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^jwt-gate\/adapter-kit$/,
        replacement: fileURLToPath(new URL('./src/adapter-kit/index.ts', import.meta.url)),
      },
      {
        find: /^jwt-gate\/(express|koa|fastify)$/,
        replacement: fileURLToPath(new URL('./adapters/$1.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
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
});

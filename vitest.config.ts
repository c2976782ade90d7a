import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships CJS (main) and ESM (module) builds; Node loads the CJS one for Pothos and Apollo, so the
// tests must too, or schema objects cross two copies of graphql ("from another module or realm").
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// The suite runs against one database per run: embedded PGlite (default) or the server in DATABASE_URL.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // PGlite serves one session: test files take turns on it. A server takes them in parallel.
    fileParallelism: Boolean(process.env.DATABASE_URL),
  },
});

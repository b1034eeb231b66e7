import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores: forks keep native better-sqlite3 handles isolated per test file.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    setupFiles: ['./test/setup.ts'],
    // Names this run's PostgreSQL schemas and drops them after the last file.
    globalSetup: ['./test/global-setup.ts'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one broker and one registry; files run in parallel
    // but each uses its own topics and consumer groups.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});

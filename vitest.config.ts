import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time: the integration files start real service processes, brokers and
    // registries and time faults; on a 2-core machine parallel files made them flaky. Each file
    // still uses its own topics and consumer groups.
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default'],
  },
});

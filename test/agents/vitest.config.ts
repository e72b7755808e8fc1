import { defineConfig } from 'vitest/config';

// The agent CLIs are heavy: one file, one case at a time, each bounded by its own deadline.
export default defineConfig({
  test: {
    include: ['test/agents/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});

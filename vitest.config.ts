import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real agent CLIs: their own suite (npm run test:agents).
    exclude: ['test/agents/**', 'node_modules/**'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});

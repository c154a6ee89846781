import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{model,harness,runtimes,workloads,reports,scripts,test}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // End-to-end tests start servers, containers and processes: generous, but bounded.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: keep heavy end-to-end files from starving each other.
    maxWorkers: 2,
    minWorkers: 1,
  },
});

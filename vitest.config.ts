import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Three projects, split by what they need: `unit` runs anywhere in seconds; `integration` starts real
 * rabbitmq-server nodes on loopback (run one file at a time: 3 nodes already fill 2 cores); `e2e` drives real
 * kind clusters and skips, naming what is missing, where Docker, kind, kubectl or helm are not there (the nightly
 * workflow runs it where they are). No retries: in a resilience harness a retry hides exactly the flakiness we
 * are looking for.
 */
export default defineConfig({
  // A drill file's `import … from 'warren'` is warren's source, as bin/resolve-warren.mjs makes it at run time.
  resolve: { alias: { warren: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    mockReset: true,
    restoreMocks: true,
    unstubEnvs: true,
    retry: 0,
    // Every core for the unit project: vitest's default in a run is one worker fewer than the cores, one on this
    // 2-core machine (unit project: 248 s with one worker, 145 s with two, 2026-12-02). Its tests mostly wait on child
    // processes. Integration and e2e run one file at a time all the same.
    maxWorkers: availableParallelism(),
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'], testTimeout: 10_000, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // After the unit project, never beside it: integration tests need both cores.
          sequence: { concurrent: false, groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});

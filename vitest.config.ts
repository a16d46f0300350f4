// vitest projects: `unit` (pure and reference-proxy tests) and `suites` (the claims, against a started target).
import { defineConfig } from 'vitest/config';

// One run id for the reporter, globalSetup and the logs, fixed before either starts.
process.env.HARNESS_RUN_ID ??= `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;

export default defineConfig({
  test: {
    reporters: ['default', './harness/reporter.ts'],
    // Stopping the target is 0.3 s normally, but up to a 10 s SIGTERM grace, SIGKILL, then pg_ctl.
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.unit.test.ts', 'reference-proxy/test/**/*.test.ts'],
          exclude: ['node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'suites',
          // Each check's file and line in the evidence, JUnit and SARIF (TestCase.location).
          includeTaskLocation: true,
          include: ['suites/**/*.test.ts'],
          globalSetup: ['./fixtures/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The target and its database are shared by every file; two workers match this machine's two cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});

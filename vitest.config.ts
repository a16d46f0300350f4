// vitest projects: `unit` (pure and reference-proxy tests) and `suites` (the claims, against a started target).
import { defineConfig } from 'vitest/config';

// One run id for the reporter, globalSetup and the logs, fixed before either starts.
process.env.HARNESS_RUN_ID ??= `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;

export default defineConfig({
  test: {
    // vitest's GitHub annotations stay on in Actions, beside the evidence reporter.
    reporters: [
      'default',
      './harness/reporter.ts',
      ...(process.env.GITHUB_ACTIONS === 'true' ? ['github-actions'] : []),
    ],
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
          // end-to-end tests of the harness itself: they start gates as child processes
          name: 'integration',
          include: ['**/*.integration.test.ts'],
          exclude: ['node_modules/**'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // researchers' repros (mintoken-harness repro NAME): the suites' environment, run one file at a time
          name: 'repro',
          include: ['repro/**/*.test.ts'],
          globalSetup: ['./fixtures/global-setup.ts'],
          setupFiles: ['./fixtures/seed-per-file.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'suites',
          // Each check's file and line in the evidence, JUnit and SARIF (TestCase.location).
          includeTaskLocation: true,
          include: ['suites/**/*.test.ts'],
          globalSetup: ['./fixtures/global-setup.ts'],
          setupFiles: ['./fixtures/seed-per-file.ts'],
          // A worker keeps its modules from file to file: importing the harness (undici, pg, zod,
          // playwright-core) once per worker, not once per file, took a fifth of the gate's wall time.
          // No suite or fixture changes global state; faker is reseeded per file (seed-per-file.ts).
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The target and its database are shared by every file; two workers match this machine's two cores.
          maxWorkers: 2,
        },
      },
    ],
  },
});

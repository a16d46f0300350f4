// `npm test`: typecheck, lint, unit tests, the suites against the reference proxy, the mutant kill matrix, the reference variants.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { runStep, type StepResult } from './run-steps.ts';

const require = createRequire(import.meta.url);
const bin = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const runId = `test-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const vitestJson = path.resolve('reports', runId, 'vitest.json');

const VitestJsonSchema = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
});

const steps: StepResult[] = [];
steps.push(
  await runStep('typecheck', 'node', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json', '--noEmit']),
);
steps.push(await runStep('lint', 'node', [bin('@biomejs/biome', 'bin/biome'), 'check', '.']));
steps.push(
  await runStep(
    'unit tests and suites',
    'node',
    [
      bin('vitest', 'vitest.mjs'),
      'run',
      // repro/ holds researchers' files (the integration tests run the example one themselves)
      '--project',
      'unit',
      '--project',
      'suites',
      '--project',
      'integration',
      '--reporter=default',
      '--reporter=./harness/reporter.ts',
      '--reporter=json',
      `--outputFile.json=${vitestJson}`,
    ],
    { HARNESS_RUN_ID: runId },
  ),
);
steps.push(await runStep('mutants', 'node', ['harness/cli/mutants.ts']));
steps.push(await runStep('variants', 'node', ['harness/cli/variants.ts']));

let passed = 0;
let failed = 0;
if (existsSync(vitestJson)) {
  const counts = VitestJsonSchema.parse(JSON.parse(readFileSync(vitestJson, 'utf8')));
  passed += counts.numPassedTests;
  failed += counts.numFailedTests;
}
// Every other step counts as one check; the vitest step's tests were counted above, unless it never reported.
for (const step of steps) {
  if (step.name === 'unit tests and suites' && existsSync(vitestJson)) continue;
  if (step.exitCode === 0) passed += 1;
  else failed += 1;
}
const failedSteps = steps.filter((s) => s.exitCode !== 0).map((s) => s.name);
process.stdout.write(
  `\nsteps: ${steps.map((s) => `${s.name} ${s.exitCode === 0 ? 'ok' : 'FAILED'}`).join(', ')}\n`,
);
if (failedSteps.length) process.stdout.write(`failed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 && failedSteps.length === 0 ? 0 : 1;

// `npm test`: typecheck, lint, unit tests, the suites against the reference proxy, the mutant kill matrix, the reference variants, and the gate in containers mode.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runStep, type StepResult } from './run-steps.ts';
import { failedTestsOf, VitestJsonSchema } from './vitest-json.ts';

const require = createRequire(import.meta.url);
const bin = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const runId = `test-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const vitestJson = path.resolve('reports', runId, 'vitest.json');

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

// Containers mode: the harness's own Docker engine (started here when it was not running, and then
// stopped again by its pid), the images (a no-op when their recipes are unchanged), the whole gate on
// the reference image, and nothing of the run left in the engine.
const ENGINE = 'scripts/docker-engine.sh';
const engineWasRunning = spawnSync('bash', [ENGINE, 'status'], { stdio: 'ignore' }).status === 0;
const engine = await runStep('docker engine', 'bash', [ENGINE, 'start']);
steps.push(engine);
if (engine.exitCode === 0) {
  try {
    const images = await runStep('images', 'bash', ['scripts/images.sh']);
    steps.push(images);
    if (images.exitCode === 0) {
      steps.push(
        await runStep('containers gate', 'node', ['harness/cli/gate.ts'], {
          HARNESS_TARGET: 'targets/reference-container.yaml',
        }),
      );
    }
    steps.push(await runStep('no containers left', 'bash', [ENGINE, 'leftovers']));
  } finally {
    if (!engineWasRunning) await runStep('stop docker engine', 'bash', [ENGINE, 'stop']);
  }
}

let passed = 0;
let failed = 0;
// the failed tests by name, repeated at the very end: a CI log is often read from its tail
const failures: string[] = [];
if (existsSync(vitestJson)) {
  const counts = VitestJsonSchema.parse(JSON.parse(readFileSync(vitestJson, 'utf8')));
  passed += counts.numPassedTests;
  failed += counts.numFailedTests;
  failures.push(...failedTestsOf(counts, process.cwd()));
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
if (failures.length) process.stdout.write(`failed tests:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 && failedSteps.length === 0 ? 0 : 1;

// `npm run gate`: runs every suite against the target named by HARNESS_TARGET (default: the reference proxy).
import { createRequire } from 'node:module';
import path from 'node:path';
import { resolveTargetManifestPath } from '../manifest.ts';
import { runStep } from './run-steps.ts';

const vitest = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
process.stdout.write(`gate: target manifest ${resolveTargetManifestPath()}\n`);
const result = await runStep('suites', 'node', [
  vitest,
  'run',
  '--project',
  'suites',
  ...process.argv.slice(2),
]);
process.stdout.write(
  result.exitCode === 0
    ? 'gate: green — no claim failed (claims without a control are reported not_assessed in the evidence)\n'
    : 'gate: RED — at least one claim failed or could not be checked; open reports/latest/evidence.html\n',
);
process.exitCode = result.exitCode;

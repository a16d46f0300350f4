// `npm run gate`: runs every suite against the target named by HARNESS_TARGET (default: the reference proxy).
import { createRequire } from 'node:module';
import path from 'node:path';
import { isHarnessError } from '../errors.ts';
import { loadManifest, resolveTargetManifestPath } from '../manifest.ts';
import { runStep } from './run-steps.ts';

const vitest = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const manifestPath = resolveTargetManifestPath();
process.stdout.write(`gate: target manifest ${manifestPath}\n`);
// Validate before vitest starts, so a bad manifest is one clear message rather than a stack in a test banner.
try {
  await loadManifest(manifestPath);
} catch (error) {
  if (!isHarnessError(error)) throw error;
  process.stderr.write(`gate: ${error.message}\n`);
  process.exit(2);
}
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

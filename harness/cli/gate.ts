// `npm run gate`: runs the suites against the target named by HARNESS_TARGET (default: the reference proxy) and exits 0/1/2/3.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CLAIMS, claimById } from '../claims.ts';
import { isHarnessError } from '../errors.ts';
import { GATE_EXIT, gateVerdictOf } from '../gate/gate-verdict.ts';
import { loadManifest } from '../manifest.ts';
import { suiteFilesOfClaims } from '../mutants.ts';
import { reapRun } from '../reaper.ts';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';
import { reportDirOf } from '../reporter.ts';
import { selectRunTarget } from '../run-mode.ts';
import { runStep } from './run-steps.ts';

const USAGE = `usage: npm run gate [-- [--claims ID,ID|FAMILY] [vitest file filters or -t pattern]]

Runs the suites against the target of HARNESS_TARGET (default targets/reference.yaml) and writes
reports/<run>/evidence.{json,html}; a full run also updates reports/latest.

exit codes:
  0  every claim passed or does not apply (or is not assessed and accepted by the manifest)
  1  at least one claim failed: the target broke a promise
  2  usage or manifest error: nothing ran
  3  no claim failed, but some could not be decided (error, or not assessed and not accepted)
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const passThrough: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--claims' || arg.startsWith('--claims=')) {
    const value = arg.includes('=') ? arg.slice('--claims='.length) : args[++i];
    if (!value) {
      process.stderr.write(`gate: --claims needs a value (AUTH-03,TENANCY)\n${USAGE}`);
      process.exit(GATE_EXIT.usage);
    }
    const ids: string[] = [];
    for (const item of value.split(',').map((s) => s.trim().toUpperCase())) {
      if (/^[A-Z]+$/.test(item)) {
        const family = CLAIMS.filter((c) => c.id.startsWith(`${item}-`));
        if (family.length === 0) {
          process.stderr.write(`gate: --claims: no claim family ${item}\n`);
          process.exit(GATE_EXIT.usage);
        }
        ids.push(...family.map((c) => c.id));
      } else {
        try {
          ids.push(claimById(item).id);
        } catch (error) {
          process.stderr.write(`gate: --claims: ${(error as Error).message}\n`);
          process.exit(GATE_EXIT.usage);
        }
      }
    }
    passThrough.push(...suiteFilesOfClaims(ids));
  } else {
    passThrough.push(arg);
  }
}

const vitest = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
let manifestPath = '';
// Validate before vitest starts, so a bad manifest is one clear message rather than a stack in a test banner.
try {
  const target = await selectRunTarget();
  manifestPath = target.manifestPath;
  process.stdout.write(`gate: mode ${target.mode} (${target.reason}); target manifest ${manifestPath}\n`);
  await loadManifest(manifestPath);
} catch (error) {
  if (!isHarnessError(error)) throw error;
  process.stderr.write(`gate: ${error.message}\n`);
  process.exit(GATE_EXIT.usage);
}
const runId = process.env.HARNESS_RUN_ID ?? `gate-${new Date().toISOString().replace(/[:.]/g, '-')}`;
// Ctrl-C reaches vitest and its workers too (same process group): let them stop, then reap what a
// worker killed mid-start could not undo, and exit 130.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
  });
}
const step = await runStep('suites', 'node', [vitest, 'run', '--project', 'suites', ...passThrough], {
  HARNESS_RUN_ID: runId,
  HARNESS_TARGET: manifestPath,
});
const reaped = reapRun(runId);
if (reaped.killed.length || reaped.removed.length) {
  process.stderr.write(
    `gate: cleaned up after the run: ${reaped.killed.length} leftover process(es), ${reaped.removed.length} scratch dir(s)\n`,
  );
}
if (interrupted) {
  process.stderr.write('gate: interrupted; nothing of the run is left running\n');
  process.exit(130);
}
const reportPath = path.join(reportDirOf(runId), 'evidence.json');
if (!existsSync(reportPath)) {
  process.stderr.write(
    `gate: UNDECIDED (exit 3): vitest exited ${step.exitCode} and wrote no evidence report (${reportPath}); read the output above\n`,
  );
  process.exit(GATE_EXIT.undecided);
}
const report = EvidenceReportSchema.parse(JSON.parse(readFileSync(reportPath, 'utf8')));
const verdict = gateVerdictOf(report);
if (verdict.lines.length) process.stdout.write(`\nclaims that are not pass:\n${verdict.lines.join('\n')}\n`);
process.stdout.write(
  `\n${verdict.headline}\nevidence: ${path.relative(process.cwd(), path.join(reportDirOf(runId), 'evidence.html'))}\n`,
);
process.exitCode = verdict.exitCode;

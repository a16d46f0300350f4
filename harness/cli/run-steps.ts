/** Runs the project's check steps as child processes on this Node binary, streaming their output. */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { reapRun } from '../reaper.ts';
import { type EvidenceReport, EvidenceReportSchema } from '../report/evidence-schema.ts';
import { reportDirOf } from '../reporter.ts';

export interface StepResult {
  name: string;
  exitCode: number;
  seconds: number;
}

/** Runs `command args…` with inherited stdio; `node` means the Node binary running this script. */
export async function runStep(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
) {
  const started = Date.now();
  process.stdout.write(`\n=== ${name}: ${command} ${args.join(' ')}\n`);
  const executable = command === 'node' ? process.execPath : command;
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(executable, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (error) => {
      process.stderr.write(`${name}: could not start ${command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const result: StepResult = { name, exitCode, seconds: Math.round((Date.now() - started) / 100) / 10 };
  process.stdout.write(
    `=== ${name}: ${exitCode === 0 ? 'ok' : `FAILED (exit ${exitCode})`} in ${result.seconds} s\n`,
  );
  return result;
}

/**
 * Runs vitest's suites project on `files` as one run (`runId`) with `env`, output to `logFile`, a heartbeat
 * on stderr; then reaps what a worker killed mid-start could not undo and reads the run's evidence report
 * (null when none was written). The mutant and variant runners share it.
 */
export async function runSuitesRun(options: {
  label: string;
  runId: string;
  files: readonly string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
}): Promise<{ report: EvidenceReport | null; reportPath: string | null }> {
  const vitestBin = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
    'vitest.mjs',
  );
  const log = createWriteStream(options.logFile);
  const started = Date.now();
  const child = spawn(process.execPath, [vitestBin, 'run', '--project', 'suites', ...options.files], {
    env: { ...process.env, ...options.env, HARNESS_RUN_ID: options.runId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const heartbeat = setInterval(
    () => process.stderr.write(`${options.label}: ${Math.round((Date.now() - started) / 1000)} s…\n`),
    15_000,
  );
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  clearInterval(heartbeat);
  log.end();
  reapRun(options.runId);
  const reportPath = path.join(reportDirOf(options.runId), 'evidence.json');
  if (!existsSync(reportPath)) return { report: null, reportPath: null };
  return { report: EvidenceReportSchema.parse(JSON.parse(readFileSync(reportPath, 'utf8'))), reportPath };
}

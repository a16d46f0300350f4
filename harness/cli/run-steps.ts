/** Runs the project's check steps as child processes on this Node binary, streaming their output. */
import { spawn } from 'node:child_process';

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

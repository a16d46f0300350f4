// Drives one Postgres data directory with initdb and pg_ctl: init, start, and a stop that always ends it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chown, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration, HarnessError, lastLines } from '../errors.ts';
import { type PostgresBinaries, type RunAs, runCommand } from './postgres-binaries.ts';

const SUPERUSER = 'postgres';
const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_S = 30;

/** initdb as `runAs`: scram-sha-256 auth, the superuser password passed through a file deleted after. */
export async function initCluster(
  bins: PostgresBinaries,
  runAs: RunAs,
  rootDir: string,
  dataDir: string,
  password: string,
) {
  const passwordFile = path.join(rootDir, 'superuser-password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) await chown(passwordFile, runAs.uid, runAs.gid ?? runAs.uid);
  try {
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
    ];
    const result = await runCommand(
      bins.initdb,
      [...args, '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      runAs,
    );
    if (result.code !== 0) {
      throw new HarnessError(
        'HARNESS_ERR_POSTGRES_START_FAILED',
        `initdb of ${dataDir} failed (exit ${result.code ?? result.signal}):\n${lastLines(result.output, 20)}\n` +
          'Check that the temp dir is writable by the postgres OS user and has free space.',
      );
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** `cp -a from to` (a template's data directory): owner, modes and links kept. */
export async function runCopy(from: string, to: string): Promise<void> {
  const result = await runCommand('cp', ['-a', from, to], {});
  if (result.code !== 0) {
    throw new HarnessError(
      'HARNESS_ERR_POSTGRES_START_FAILED',
      `cp -a ${from} ${to} failed (exit ${result.code ?? result.signal}): ${lastLines(result.output, 10)}\n` +
        'Check that the template still exists (HARNESS_POSTGRES_TEMPLATE) and the temp dir has free space.',
    );
  }
}

/** pg_ctl start -w: returns once the server accepts connections, or throws with its log. */
export async function startCluster(bins: PostgresBinaries, runAs: RunAs, dataDir: string, logFile: string) {
  // The log file is opened here (by us) and handed over as stdout, so the server can write to it
  // wherever it lives; pg_ctl's own chatter is silenced with -s.
  const log = await open(logFile, 'a');
  const startedAt = performance.now();
  try {
    const args = ['start', '-D', dataDir, '-w', '-t', String(START_TIMEOUT_S), '-s'];
    const result = await runCommand(bins.pg_ctl, args, runAs, { stdoutFd: log.fd });
    if (result.code !== 0) {
      const serverLog = await readFile(logFile, 'utf8').catch(() => '');
      throw new HarnessError(
        'HARNESS_ERR_POSTGRES_START_FAILED',
        `pg_ctl start of ${dataDir} failed after ${formatDuration(performance.now() - startedAt)} ` +
          `(exit ${result.code ?? result.signal}): ${result.output.trim()}\n` +
          `last lines of ${logFile}:\n${lastLines(serverLog, 20)}`,
      );
    }
  } finally {
    await log.close();
  }
}

/** The postmaster's pid from postmaster.pid, or null when the cluster is not running. */
export function postmasterPid(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Whether `pid` still runs. A zombie counts as gone: pg_ctl daemonizes the postmaster, so its
 * parent is PID 1, and an init that reaps slowly would otherwise make every stop look stuck.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces, so read the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs (not Linux): trust kill(0)
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Stops the cluster in `dataDir` if it runs. Works after a failed start too: it goes by
 * postmaster.pid, not by a handle, and ends with SIGKILL so no postgres process outlives the run.
 */
export async function stopPostgresCluster(
  bins: PostgresBinaries,
  runAs: RunAs,
  dataDir: string,
): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === null || !isAlive(pid)) return;
  const startedAt = performance.now();
  for (const mode of ['fast', 'immediate']) {
    const args = ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_S), '-s'];
    await runCommand(bins.pg_ctl, args, runAs, { timeoutMs: (STOP_TIMEOUT_S + 5) * 1_000 }).catch(
      () => undefined,
    );
    if (await waitForExit(pid, 2_000)) return;
  }
  process.kill(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5_000))) {
    throw new HarnessError(
      'HARNESS_ERR_POSTGRES_STOP_FAILED',
      `postmaster ${pid} of ${dataDir} survived pg_ctl stop and SIGKILL for ${formatDuration(performance.now() - startedAt)}; ` +
        `kill it by hand (kill -9 ${pid}).`,
    );
  }
}

/** The same for a process 'exit' hook, where nothing asynchronous runs. */
export function stopPostgresClusterSync(bins: PostgresBinaries, runAs: RunAs, dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid === null || !isAlive(pid)) return;
  spawnSync(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10', '-s'], {
    ...runAs,
    stdio: 'ignore',
    timeout: 15_000,
  });
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

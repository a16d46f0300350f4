// One replica of the target as a child process: spawned with the contract's env, logs kept, ready on /health.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { onProcessExit } from '../cleanup-stack.ts';
import { formatDuration, HarnessError, isHarnessError, lastLines, messageOf } from '../errors.ts';
import { reserveFreePorts } from '../free-port.ts';

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const HEALTH_POLL_INTERVAL_MS = 25;
const HEALTH_REQUEST_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 10_000;
const STDERR_TAIL_LINES = 20;
/** How often a target that lost its free ports to another process (EADDRINUSE) is started again on new ones. */
const PORT_ATTEMPTS = 3;
const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;

/** A manifest command as spawned: a leading `node` is the Node binary running the harness. */
export function resolveCommand(command: readonly string[]): [string, string[]] {
  const [file = '', ...args] = command;
  return [file === 'node' ? process.execPath : file, args];
}

/**
 * `new TargetProcess('replica-0', command).withCwd(dir).withEnv(env).withPorts(p).withCaPem(ca)
 * .withLogDir(dir).start()`: spawns, keeps every byte of stdout/stderr in
 * `<logDir>/<name>-stdout.log` / `-stderr.log`, and resolves once GET /health over HTTPS is 200.
 */
export class TargetProcess {
  readonly #name: string;
  readonly #command: readonly string[];
  #cwd = process.cwd();
  #env: Record<string, string> = {};
  /** null: pick free ports at start, and pick again if the target exits with EADDRINUSE */
  #ports: { httpsPort: number; httpPort: number } | null = null;
  #caPem = '';
  #logDir = '.';
  #readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;

  constructor(name: string, command: readonly string[]) {
    this.#name = name;
    this.#command = command;
  }

  withCwd(cwd: string): this {
    this.#cwd = cwd;
    return this;
  }

  /** The whole environment of the process (nothing is inherited); HTTPS_PORT/HTTP_PORT come from withPorts. */
  withEnv(env: Record<string, string>): this {
    this.#env = env;
    return this;
  }

  /**
   * Fixed ports. Without this call the target gets two free ports, and when another process takes
   * one between the pick and the target's bind (it exits with EADDRINUSE) it starts again on new ones.
   */
  withPorts(ports: { httpsPort: number; httpPort: number }): this {
    this.#ports = ports;
    return this;
  }

  /** The CA that signed the target's certificate: the readiness probe trusts only it. */
  withCaPem(caPem: string): this {
    this.#caPem = caPem;
    return this;
  }

  withLogDir(dir: string): this {
    this.#logDir = dir;
    return this;
  }

  withReadyTimeout(ms: number): this {
    this.#readyTimeoutMs = ms;
    return this;
  }

  async start(): Promise<StartedTargetProcess> {
    await mkdir(this.#logDir, { recursive: true });
    if (this.#ports !== null) return this.#startOn(this.#ports);
    for (let attempt = 1; ; attempt += 1) {
      const [httpsPort = 0, httpPort = 0] = await reserveFreePorts(2);
      try {
        return await this.#startOn({ httpsPort, httpPort });
      } catch (error) {
        // The target needs its ports in env, so they are picked before it binds: another process may
        // take one in between. Only that race is retried; every other failure is the target's.
        const lostPort =
          isHarnessError(error) &&
          error.code === 'HARNESS_ERR_TARGET_EXITED' &&
          ADDRESS_IN_USE.test(error.message);
        if (!lostPort || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  async #startOn(ports: { httpsPort: number; httpPort: number }): Promise<StartedTargetProcess> {
    const stdoutFile = path.join(this.#logDir, `${this.#name}-stdout.log`);
    const stderrFile = path.join(this.#logDir, `${this.#name}-stderr.log`);
    const [file, args] = resolveCommand(this.#command);
    const env = {
      ...this.#env,
      HTTPS_PORT: String(ports.httpsPort),
      HTTP_PORT: String(ports.httpPort),
    };
    // The child writes straight into the log files: no byte passes through (or waits in) the harness.
    const fds = [openSync(stdoutFile, 'a'), openSync(stderrFile, 'a')] as const;
    let child: ChildProcess;
    try {
      child = spawn(file, args, { cwd: this.#cwd, env, detached: true, stdio: ['ignore', fds[0], fds[1]] });
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    const spawned = await once(child, 'spawn').then(
      () => null,
      (error: unknown) => error,
    );
    child.on('error', () => undefined); // later errors (a failed kill) surface through stop()
    if (spawned !== null || child.pid === undefined) {
      throw new HarnessError(
        'HARNESS_ERR_TARGET_START_FAILED',
        `could not spawn ${this.#name} (${[file, ...args].join(' ')}) in ${this.#cwd}: ${messageOf(spawned)}. ` +
          'Check run.process.command and cwd in the manifest.',
      );
    }
    const started = new StartedTargetProcess(this.#name, child, child.pid, ports, [stdoutFile, stderrFile]);
    try {
      await started.waitUntilReady(this.#caPem, this.#readyTimeoutMs, [file, ...args].join(' '));
      return started;
    } catch (error) {
      await started.stop().catch(() => undefined);
      throw error;
    }
  }
}

export class StartedTargetProcess {
  readonly #name: string;
  readonly #child: ChildProcess;
  readonly #pid: number;
  readonly #ports: { httpsPort: number; httpPort: number };
  readonly #logFiles: [string, string];
  readonly #exited: Promise<void>;
  readonly #unregisterExitHook: () => void;
  readyMs = 0;

  constructor(
    name: string,
    child: ChildProcess,
    pid: number,
    ports: { httpsPort: number; httpPort: number },
    logFiles: [string, string],
  ) {
    this.#name = name;
    this.#child = child;
    this.#pid = pid;
    this.#ports = ports;
    this.#logFiles = logFiles;
    this.#exited = once(child, 'exit').then(() => undefined);
    this.#unregisterExitHook = onProcessExit(() => killGroup(pid, 'SIGKILL'));
  }

  getPid(): number {
    return this.#pid;
  }

  getHttpsUrl(): string {
    return `https://127.0.0.1:${this.#ports.httpsPort}`;
  }

  getHttpUrl(): string {
    return `http://127.0.0.1:${this.#ports.httpPort}`;
  }

  getPorts(): { httpsPort: number; httpPort: number } {
    return this.#ports;
  }

  /** [stdout log, stderr log]: every byte the process wrote. */
  getLogFiles(): [string, string] {
    return this.#logFiles;
  }

  hasExited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  async waitUntilReady(caPem: string, timeoutMs: number, commandLine: string): Promise<void> {
    const startedAt = performance.now();
    let lastProblem = 'no answer yet';
    while (performance.now() - startedAt < timeoutMs) {
      if (this.hasExited()) {
        const how =
          this.#child.exitCode !== null
            ? `exit code ${this.#child.exitCode}`
            : `signal ${this.#child.signalCode}`;
        throw new HarnessError(
          'HARNESS_ERR_TARGET_EXITED',
          `${this.#name} (${commandLine}) exited with ${how} after ${formatDuration(performance.now() - startedAt)}, ` +
            `before GET /health answered. ${await this.#logTail()}`,
        );
      }
      const status = await probeHealth(this.#ports.httpsPort, caPem).catch((error: unknown) =>
        messageOf(error),
      );
      if (status === 200) {
        this.readyMs = performance.now() - startedAt;
        return;
      }
      lastProblem = typeof status === 'number' ? `GET /health answered ${status}` : status;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
    }
    throw new HarnessError(
      'HARNESS_ERR_TARGET_UNREACHABLE',
      `${this.#name} (${commandLine}) did not answer GET ${this.getHttpsUrl()}/health with 200 within ` +
        `${formatDuration(timeoutMs)} (last: ${lastProblem}). Does it listen on HTTPS_PORT with TLS_CERT_FILE? ` +
        (await this.#logTail()),
    );
  }

  async #logTail(): Promise<string> {
    for (const file of [this.#logFiles[1], this.#logFiles[0]]) {
      const tail = lastLines(await readFile(file, 'utf8').catch(() => ''), STDERR_TAIL_LINES);
      if (tail !== '') return `Last lines of ${file}:\n${tail}`;
    }
    return `It wrote nothing to ${this.#logFiles.join(' or ')}.`;
  }

  /** SIGTERM to the process group, up to 10 s, then SIGKILL; resolves once the process is gone. */
  async stop(): Promise<void> {
    try {
      if (!this.hasExited()) {
        killGroup(this.#pid, 'SIGTERM');
        const graceful = await Promise.race([
          this.#exited.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS).unref()),
        ]);
        if (!graceful) {
          killGroup(this.#pid, 'SIGKILL');
          await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        }
      }
      // Whatever the target forked shares its process group: it goes too.
      killGroup(this.#pid, 'SIGKILL');
      if (!this.hasExited()) {
        throw new HarnessError(
          'HARNESS_ERR_TARGET_STOP_FAILED',
          `${this.#name} (pid ${this.#pid}) survived SIGTERM and SIGKILL; kill it by hand (kill -9 -${this.#pid}).`,
        );
      }
    } finally {
      this.#unregisterExitHook();
    }
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** One GET /health over HTTPS to 127.0.0.1, trusting only `caPem`; the status code. */
export function probeHealth(port: number, caPem: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/health',
        method: 'GET',
        ca: caPem,
        agent: false,
        timeout: HEALTH_REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${formatDuration(HEALTH_REQUEST_TIMEOUT_MS)}`)),
    );
    req.on('error', reject);
    req.end();
  });
}

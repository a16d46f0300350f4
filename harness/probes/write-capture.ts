/** Every byte a target process writes to a file while traffic runs (strace attached to it), so a temp file written and deleted is still swept. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { messageOf } from '../errors.ts';
import { ControlPlant } from './control-plant.ts';

/** Writes to files, whatever the call (write, pwrite, writev): the fd's path (`-y`) and every byte (`-xx`, `-s`). */
const STRACE_ARGS = [
  '-f',
  '-xx',
  '-y',
  '-s',
  String(16 * 1024 * 1024),
  '-e',
  'trace=write,pwrite64,writev,pwritev,pwritev2',
  '-e',
  'signal=none',
];
const ATTACH_TIMEOUT_MS = 10_000;
const CONTROL_TIMEOUT_MS = 10_000;

export interface CapturedWrites {
  /** null when the capture ran; else why it could not (no strace, ptrace refused, no target pid) */
  unavailable: string | null;
  /** path → every byte written to it by the traced processes, in order (files since deleted included) */
  files: Map<string, Buffer>;
  /** the control: its canaries, and the file the control process wrote and deleted under the same trace */
  control: ControlPlant;
  controlFile: string | null;
  /** what was traced, in words */
  scope: string;
}

export interface WriteCapture {
  /** makes the control process write and delete its file, detaches strace, and parses what it saw */
  stop(): Promise<CapturedWrites>;
}

const unavailable = (reason: string, control: ControlPlant): WriteCapture => ({
  stop: async () => ({ unavailable: reason, files: new Map(), control, controlFile: null, scope: '-' }),
});

/** Why strace cannot be used here, or null. */
export function straceUnavailable(): string | null {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return null;
  } catch (error) {
    return `strace is not installed (scripts/setup.sh installs Debian's strace): ${messageOf(error)}`;
  }
}

/** A process that, on a line on stdin, writes the control's text to a file and deletes it at once. */
function startControlProcess(file: string, text: string): ChildProcess {
  const script = `process.stdin.once('data', () => {
    const fs = require('node:fs');
    fs.writeFileSync(process.env.CONTROL_FILE, process.env.CONTROL_TEXT);
    fs.unlinkSync(process.env.CONTROL_FILE);
    process.stdout.write('done\\n');
    setTimeout(() => process.exit(0), 100);
  });`;
  return spawn(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', CONTROL_FILE: file, CONTROL_TEXT: text },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
}

function waitFor(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  ms: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms; said: ${seen.slice(-300)}`)),
      ms,
    );
    const source = child[stream];
    source?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!pattern.test(seen)) reject(new Error(`exited (${code}) first; said: ${seen.slice(-300)}`));
    });
  });
}

const hexDecode = (hex: string): Buffer => Buffer.from(hex.replaceAll('\\x', ''), 'hex');

/** One strace line: the written file's path and bytes, or null for a socket, a pipe, a device. */
export function parseWriteLine(line: string): { path: string; bytes: Buffer } | null {
  const head = /^(?:\d+\s+)?(?:write|pwrite64|writev|pwritev2?)\(\d+<((?:\\x[0-9a-f]{2})+)>,\s*(.*)$/.exec(
    line,
  );
  if (!head) return null;
  let file = hexDecode(head[1] as string).toString('utf8');
  if (!file.startsWith('/') || file.startsWith('/dev/') || file.startsWith('/proc/')) return null;
  file = file.replace(/ \(deleted\)$/, '');
  const strings = [...(head[2] as string).matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)].map((m) =>
    hexDecode(m[1] as string),
  );
  return { path: file, bytes: Buffer.concat(strings) };
}

/** An entry ending in `/` excludes every file under that directory; any other entry, that one file. */
export function isExcluded(file: string, exclude: ReadonlySet<string>): boolean {
  if (exclude.has(file)) return true;
  for (const entry of exclude) if (entry.endsWith('/') && file.startsWith(entry)) return true;
  return false;
}

async function parseTrace(traceFile: string, exclude: ReadonlySet<string>): Promise<Map<string, Buffer>> {
  const chunks = new Map<string, Buffer[]>();
  const lines = createInterface({ input: createReadStream(traceFile), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const write = parseWriteLine(line);
    if (write === null || isExcluded(write.path, exclude)) continue;
    chunks.set(write.path, [...(chunks.get(write.path) ?? []), write.bytes]);
  }
  return new Map([...chunks].map(([file, parts]) => [file, Buffer.concat(parts)]));
}

const LOCK_WAIT_MS = 150_000;

/**
 * A lock per traced pid set (a directory under the temp dir holding the owner's pid), or null after
 * LOCK_WAIT_MS. A lock whose owner process is gone is taken over.
 */
async function acquireTraceLock(pids: readonly number[]): Promise<{ release(): Promise<void> } | null> {
  const dir = path.join(tmpdir(), `harness-strace-lock-${[...pids].sort().join('-')}`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(path.join(dir, 'owner'), String(process.pid));
      return { release: () => rm(dir, { recursive: true, force: true }) };
    } catch {
      const owner = Number(await readFile(path.join(dir, 'owner'), 'utf8').catch(() => ''));
      let alive = true;
      try {
        if (owner > 0) process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (!alive) await rm(dir, { recursive: true, force: true });
      else if (Date.now() > deadline) return null;
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Attaches strace to `pids` (every thread: the libuv pool writes files too) and to a control process
 * of its own. `stop()` makes the control write its canaries to a file in `controlDir` and delete it,
 * then detaches and returns every file's written bytes. Degrades to `unavailable` with the reason
 * when strace is missing or ptrace is refused; never to a silent clean result. `excludeFiles`: files
 * whose writes are not the target's choice (its own log files); an entry ending in `/` is a directory.
 */
export async function startWriteCapture(
  pids: readonly number[],
  controlDir: string,
  excludeFiles: readonly string[] = [],
  notPossible: string | null = null,
): Promise<WriteCapture> {
  const control = new ControlPlant();
  if (notPossible !== null) return unavailable(notPossible, control);
  if (pids.length === 0) return unavailable('no target process id is known in this mode', control);
  const missing = straceUnavailable();
  if (missing !== null) return unavailable(missing, control);
  // ptrace allows one tracer per process: checks in other workers that trace the same pid take turns
  const lock = await acquireTraceLock(pids);
  if (lock === null) {
    return unavailable(
      `another check kept the trace of pid ${pids.join(', ')} for over ${LOCK_WAIT_MS / 1000} s, and a process has one tracer at a time`,
      control,
    );
  }
  const work = await mkdtemp(path.join(tmpdir(), 'harness-strace-'));
  const traceFile = path.join(work, 'trace.txt');
  const controlFile = path.join(controlDir, `.harness-write-control-${randomBytes(6).toString('hex')}.log`);
  const controlProcess = startControlProcess(controlFile, control.text());
  const controlPid = controlProcess.pid as number;
  const traced = [...pids, controlPid];
  const strace = spawn(
    'strace',
    [...STRACE_ARGS, '-o', traceFile, ...traced.flatMap((p) => ['-p', String(p)])],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const attached = new RegExp(`Process ${controlPid} attached`);
  try {
    const said = await waitFor(strace, 'stderr', attached, ATTACH_TIMEOUT_MS);
    const refused = traced.filter((p) => !new RegExp(`Process ${p} attached`).test(said));
    // strace reports the control last only if the target's attach already succeeded or failed
    if (refused.length > 0 || /Operation not permitted/.test(said)) throw new Error(said.slice(-300));
  } catch (error) {
    controlProcess.kill('SIGKILL');
    strace.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
    await lock.release();
    return unavailable(
      `strace could not attach to the target (ptrace not permitted?): ${messageOf(error)}`,
      control,
    );
  }
  const scope = `every write to a file by pid ${pids.join(', ')} (all threads) while the traffic ran, through strace -f -y -xx, deleted files included; plus a control process under the same trace`;
  return {
    async stop() {
      let controlDone: string | null = null;
      try {
        const done = waitFor(controlProcess, 'stdout', /done/, CONTROL_TIMEOUT_MS);
        controlProcess.stdin?.write('go\n');
        await done;
        controlDone = controlFile;
      } catch {
        controlProcess.kill('SIGKILL');
      }
      const exited = new Promise<void>((resolve) => strace.once('exit', () => resolve()));
      strace.kill('SIGINT'); // detaches, the target runs on
      await exited;
      await lock.release();
      try {
        const files = await parseTrace(traceFile, new Set(excludeFiles));
        return { unavailable: null, files, control, controlFile: controlDone, scope };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

/** The heap sink: a V8 heap snapshot of a Node process, taken through --heapsnapshot-signal (V8 runs a full GC first). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration, HarnessError, messageOf } from '../../errors.ts';
import type { ControlPlant } from '../control-plant.ts';

/** The signal the harness's NODE_OPTIONS gives the target (harness/embedded/target-env.ts). */
export const HEAP_SNAPSHOT_SIGNAL = 'SIGUSR2';
const SNAPSHOT_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
const STABLE_MS = 300;

/**
 * Why `pid` cannot be snapshotted, or null when it can: it must be alive and have been started with
 * `--heapsnapshot-signal=SIGUSR2` (else the signal's default action would end a process we don't own).
 */
export async function heapSnapshotUnavailable(pid: number): Promise<string | null> {
  try {
    const [environ, cmdline] = await Promise.all([
      readFile(`/proc/${pid}/environ`, 'latin1'),
      readFile(`/proc/${pid}/cmdline`, 'latin1'),
    ]);
    const flag = `--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`;
    if (!environ.includes(flag) && !cmdline.includes(flag)) {
      return `process ${pid} was not started with ${flag} (not a Node target, or NODE_OPTIONS overridden)`;
    }
    return null;
  } catch (error) {
    return `process ${pid} cannot be inspected through /proc: ${messageOf(error)}`;
  }
}

async function snapshotFilesOf(dir: string, pid: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.heapsnapshot') && name.includes(`.${pid}.`));
}

/**
 * The pid a process knows itself by (the last `NSpid` of /proc/<pid>/status): its own in a container's
 * pid namespace, where Node names its snapshot files with it; the same pid outside one.
 */
export async function ownPidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => '');
  const nsPids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
  const own = nsPids[nsPids.length - 1];
  return own !== undefined && Number.isInteger(own) && own > 0 ? own : pid;
}

/** A complete snapshot is a JSON object whose size has stopped changing. */
async function isComplete(file: string): Promise<boolean> {
  const before = (await stat(file)).size;
  await sleep(STABLE_MS);
  const size = (await stat(file)).size;
  if (size !== before || size < 2) return false;
  const handle = await open(file, 'r');
  try {
    const tail = Buffer.alloc(Math.min(64, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return tail.toString('latin1').trimEnd().endsWith('}');
  } finally {
    await handle.close();
  }
}

/** Sends the signal and waits for the new snapshot file of `pid` in `diagnosticDir` to be whole. */
export async function takeHeapSnapshot(pid: number, diagnosticDir: string): Promise<string> {
  const namedAs = await ownPidOf(pid);
  const before = new Set(await snapshotFilesOf(diagnosticDir, namedAs));
  process.kill(pid, HEAP_SNAPSHOT_SIGNAL);
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const fresh = (await snapshotFilesOf(diagnosticDir, namedAs)).filter((name) => !before.has(name));
    const name = fresh[0];
    if (name !== undefined && (await isComplete(path.join(diagnosticDir, name)))) {
      return path.join(diagnosticDir, name);
    }
    await sleep(POLL_MS);
  }
  throw new HarnessError(
    'HARNESS_ERR_HEAP_SNAPSHOT_FAILED',
    `no complete heap snapshot of pid ${pid} appeared in ${diagnosticDir} within ${formatDuration(SNAPSHOT_TIMEOUT_MS)} ` +
      `of ${HEAP_SNAPSHOT_SIGNAL}. Is the process a Node target started with NODE_OPTIONS --heapsnapshot-signal and --diagnostic-dir?`,
  );
}

export async function removeSnapshot(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * The heap positive control: a Node process started the way the target is (same binary, same
 * flags) keeps each text embedding of the control as a live string; its snapshot must show each.
 * Returns the snapshot file (the caller sweeps, then removes it).
 */
export async function snapshotControlProcess(control: ControlPlant, diagnosticDir: string): Promise<string> {
  const script = [
    "const lines = JSON.parse(process.env.HARNESS_CONTROL_LINES ?? '[]');",
    'delete process.env.HARNESS_CONTROL_LINES;',
    // a Map of fresh strings, as a cache in a target would hold them
    "globalThis.heldByControl = new Map(lines.map(([label, text]) => [label, [...text].join('')]));",
    "process.stdout.write('ready\\n');",
    'setInterval(() => {}, 60_000);',
  ].join('\n');
  const child = spawn(
    process.execPath,
    [`--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${diagnosticDir}`, '-e', script],
    {
      env: { PATH: process.env.PATH ?? '', HARNESS_CONTROL_LINES: JSON.stringify(control.lines()) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [chunk] = (await Promise.race([
      once(child.stdout, 'data'),
      sleep(10_000).then(() => {
        throw new HarnessError(
          'HARNESS_ERR_HEAP_SNAPSHOT_FAILED',
          `the heap control process did not start within 10 s (${process.execPath})`,
        );
      }),
    ])) as [Buffer];
    if (!chunk.toString().includes('ready'))
      throw new HarnessError(
        'HARNESS_ERR_HEAP_SNAPSHOT_FAILED',
        `the heap control process did not get ready (${process.execPath})`,
      );
    if (child.pid === undefined)
      throw new HarnessError(
        'HARNESS_ERR_HEAP_SNAPSHOT_FAILED',
        `the heap control process has no pid (${process.execPath})`,
      );
    return await takeHeapSnapshot(child.pid, diagnosticDir);
  } finally {
    child.kill('SIGKILL');
  }
}

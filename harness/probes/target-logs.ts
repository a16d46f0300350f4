/** Reads every byte a target wrote to its logs, after the writes have settled. */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const SETTLE_QUIET_MS = 300;
const SETTLE_MAX_MS = 5_000;

export interface LogSink {
  file: string;
  bytes: Buffer;
  sha256: string;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return -1;
  }
}

/** Waits until no log file has grown for SETTLE_QUIET_MS (bounded), so the last request's lines are in. */
export async function settleLogs(files: readonly string[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let sizes = await Promise.all(files.map(sizeOf));
  while (Date.now() < deadline) {
    await sleep(SETTLE_QUIET_MS);
    const next = await Promise.all(files.map(sizeOf));
    if (next.every((size, i) => size === sizes[i])) return;
    sizes = next;
  }
}

/** Every log file of the target, whole, with its hash for the evidence. */
export async function readLogSinks(files: readonly string[]): Promise<LogSink[]> {
  await settleLogs(files);
  return Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(file);
      return { file, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}

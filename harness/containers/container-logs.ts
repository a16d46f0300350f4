// Streams a container's stdout and stderr, kept apart, into two files from the container's first byte on.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { getContainerRuntimeClient } from 'testcontainers';

/**
 * Follows the logs of container `id` (history included) into `stdoutFile` and `stderrFile`.
 * Returns a function that stops following and closes the files (waits for them to be flushed).
 */
export async function streamContainerLogs(
  id: string,
  stdoutFile: string,
  stderrFile: string,
): Promise<() => Promise<void>> {
  await mkdir(path.dirname(stdoutFile), { recursive: true });
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  const out = createWriteStream(stdoutFile, { flags: 'a' });
  const err = createWriteStream(stderrFile, { flags: 'a' });
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    since: 0,
  })) as unknown as Readable & {
    socket?: { unref(): void };
  };
  // the harness's process may exit while a container still talks
  stream.socket?.unref();
  container.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return async () => {
    // a removed container ends its stream; give it a moment, then cut it
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    stream.destroy();
    await Promise.all([
      new Promise<void>((resolve) => out.end(resolve)),
      new Promise<void>((resolve) => err.end(resolve)),
    ]);
  };
}

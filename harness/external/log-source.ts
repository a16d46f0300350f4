/** An external target's log, kept in the run's log dir: the bytes a file gains during the run, or the output of a command. */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  existsSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { HarnessError } from '../errors.ts';

export interface LogCapture {
  /** the file the sweeps read */
  file: string;
  /** copies what is still pending, then stops following */
  stop(): Promise<void>;
}

const POLL_MS = 200;

/** Follows `source` from its current end: only what the target writes during this run lands in `into`. */
export function followFile(source: string, into: string): LogCapture {
  if (!existsSync(source)) {
    throw new HarnessError(
      'HARNESS_ERR_SINK_UNREADABLE',
      `the manifest's logs.file ${source} does not exist or cannot be read; give the file the deployment writes its log to, or logs: none`,
    );
  }
  writeFileSync(into, '');
  let offset = statSync(source).size;
  const copy = () => {
    const size = statSync(source).size;
    if (size < offset) offset = 0; // rotated or truncated: start over
    if (size === offset) return;
    const fd = openSync(source, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      offset += read;
      writeFileSync(into, buffer.subarray(0, read), { flag: 'a' });
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(copy, POLL_MS);
  timer.unref();
  return {
    file: into,
    async stop() {
      clearInterval(timer);
      copy();
    },
  };
}

/** Runs `command` (argv, no shell) for the whole run; its stdout and stderr are the log. */
export function followCommand(command: readonly string[], into: string): LogCapture {
  const [file, ...args] = command;
  if (!file) throw new HarnessError('HARNESS_ERR_MANIFEST_INVALID', 'logs.command is empty');
  const out = createWriteStream(into);
  const child: ChildProcess = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.on('error', (error) => {
    out.write(`[harness] logs.command ${file} could not start: ${error.message}\n`);
  });
  return {
    file: into,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 2_000);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await new Promise<void>((resolve) => out.end(resolve));
    },
  };
}

// The write capture sees bytes a traced process wrote to a file it deleted at once, and skips sockets and pipes.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isExcluded, parseWriteLine, startWriteCapture, straceUnavailable } from './write-capture.ts';

const hex = (text: string) =>
  [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

describe('parseWriteLine', () => {
  test('decodes the path and bytes of write, and of every iovec of writev', () => {
    expect(parseWriteLine(`123 write(5<${hex('/tmp/a (deleted)')}>, "${hex('secret')}", 6) = 6`)).toEqual({
      path: '/tmp/a',
      bytes: Buffer.from('secret'),
    });
    const writev = `writev(7<${hex('/var/x')}>, [{iov_base="${hex('ab')}", iov_len=2}, {iov_base="${hex('cd')}", iov_len=2}], 2) = 4`;
    expect(parseWriteLine(writev)?.bytes.toString()).toBe('abcd');
  });

  test('skips sockets, pipes and devices', () => {
    expect(parseWriteLine(`write(5<${hex('socket:[123]')}>, "${hex('x')}", 1) = 1`)).toBeNull();
    expect(parseWriteLine(`write(5<${hex('pipe:[9]')}>, "${hex('x')}", 1) = 1`)).toBeNull();
    expect(parseWriteLine(`write(1<${hex('/dev/pts/0')}>, "${hex('x')}", 1) = 1`)).toBeNull();
  });
});

describe.skipIf(straceUnavailable() !== null)(
  'startWriteCapture (skipped when strace is missing, issue 8)',
  () => {
    test('catches a file the traced process writes and deletes, and its own control', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'write-capture-'));
      const file = path.join(dir, 'spool.json');
      const canary = `canary-${Date.now()}`;
      const child = spawn(
        process.execPath,
        [
          '-e',
          `process.stdin.once('data', () => { const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(canary)}); fs.unlinkSync(${JSON.stringify(file)}); process.stdout.write('ok'); });`,
        ],
        { stdio: ['pipe', 'pipe', 'ignore'] },
      );
      try {
        const capture = await startWriteCapture([child.pid as number], dir);
        const wrote = new Promise((resolve) => child.stdout?.once('data', resolve));
        child.stdin?.write('go\n');
        await wrote;
        const writes = await capture.stop();
        expect(writes.unavailable).toBeNull();
        expect(writes.files.get(file)?.toString()).toBe(canary);
        expect(writes.controlFile).not.toBeNull();
        expect(writes.files.get(writes.controlFile as string)?.toString()).toBe(writes.control.text());
      } finally {
        child.kill();
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);

test('an exclusion ending in / covers the files under that directory only; others name one file', () => {
  const exclude = new Set(['/run/x/diagnostics/', '/run/x/replica-0-stdout.log']);
  expect(isExcluded('/run/x/diagnostics/Heap.1.heapsnapshot', exclude)).toBe(true);
  expect(isExcluded('/run/x/replica-0-stdout.log', exclude)).toBe(true);
  expect(isExcluded('/run/x/diagnostics-other/a.log', exclude)).toBe(false);
  expect(isExcluded('/run/x/target-tmp/dump.json', exclude)).toBe(false);
});

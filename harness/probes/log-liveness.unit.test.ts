// A stopped replica's log capture proves something only when it holds a line the target wrote for a harness request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkFinishedCapture } from './log-liveness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'log-liveness-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('checkFinishedCapture', () => {
  test('finds the request path of a marker request on an access line', async () => {
    const file = path.join(dir, 'stdout.log');
    await writeFile(file, '{"msg":"request completed","route":"/v1/chat/completions","status":401}\n');
    const empty = path.join(dir, 'stderr.log');
    await writeFile(empty, '');
    const result = await checkFinishedCapture([file, empty]);
    expect(result.problem).toBeNull();
    expect(result.found).toContain('/v1/chat/completions');
  });

  test('an empty capture is a problem, never clean', async () => {
    const file = path.join(dir, 'empty.log');
    await writeFile(file, '');
    expect((await checkFinishedCapture([file])).problem).toMatch(/is empty/);
  });

  test('a missing file is a problem', async () => {
    expect((await checkFinishedCapture([path.join(dir, 'missing.log')])).problem).toMatch(
      /could not be read/,
    );
  });

  test('a capture without any identifiable line is a problem', async () => {
    const file = path.join(dir, 'startup-only.log');
    await writeFile(file, '{"msg":"listening"}\n');
    expect((await checkFinishedCapture([file])).problem).toMatch(/nothing the harness can recognise/);
  });
});

// Ctrl-C in the middle of a gate leaves nothing behind: no process, no listening port, no scratch directory.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { processesOfRun } from '../reaper.ts';

const runId = `interrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('a SIGINT to the gate’s process group, mid-run, stops every process, port and scratch dir it started', async () => {
  const child = spawn(process.execPath, [path.resolve('harness/cli/gate.ts')], {
    detached: true, // its own process group, as a terminal's foreground job
    env: { ...process.env, HARNESS_RUN_ID: runId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  // Wait until the run's environment and at least one test's own environment are up, then press Ctrl-C.
  const deadline = Date.now() + 120_000;
  while ((output.match(/environment ready/g) ?? []).length < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
  }
  expect((output.match(/environment ready/g) ?? []).length, output).toBeGreaterThanOrEqual(2);
  await new Promise((r) => setTimeout(r, 2_000));
  const ports = [...output.matchAll(/https:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  expect(ports.length).toBeGreaterThan(0);
  process.kill(-(child.pid ?? 0), 'SIGINT');
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Give the kernel a moment to reap; then nothing of the run may remain.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(processesOfRun(runId)).toEqual([]);
  expect(readdirSync(tmpdir()).filter((entry) => entry.includes(runId))).toEqual([]);
  expect(child.exitCode ?? child.signalCode).toBe(130);
  for (const port of ports) expect(await listening(port), `port ${port} still listening`).toBe(false);
});

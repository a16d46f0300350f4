/** The last line of cleanup after a run: kills any process and removes any scratch dir still tagged with the run's id. */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Every scratch dir of a run (and of its tests' own environments) starts with this under the temp dir. */
export function scratchPrefixOf(runId: string): string {
  return `mintoken-harness-${runId}`;
}

/** Pids whose command line or environment names one of the run's scratch dirs (Postgres -D, a target's DATA_DIR). */
export function processesOfRun(runId: string): number[] {
  const tag = scratchPrefixOf(runId);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(tag) || environ.includes(tag)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/**
 * Kills what a run left behind (a worker killed mid-start cannot undo its own steps) and removes its
 * scratch dirs. Synchronous, so it also works in a signal handler. Returns what it had to do.
 */
export function reapRun(runId: string): { killed: number[]; removed: string[] } {
  const killed = processesOfRun(runId);
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const removed = readdirSync(tmpdir())
    .filter((entry) => entry.startsWith(scratchPrefixOf(runId)))
    .map((entry) => path.join(tmpdir(), entry));
  for (const dir of removed) rmSync(dir, { recursive: true, force: true });
  return { killed, removed };
}

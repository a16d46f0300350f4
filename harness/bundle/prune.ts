/** Keeps reports/ bounded: only the newest N runs, a run being every folder stamped with the same time. */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_KEEP = 10;
/** The ISO stamp run ids end with: `gate-2026-12-02T20-10-07-013Z`, `mutant-x-…`, `mutants-…`. */
const STAMP = /(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z)$/;

/**
 * Removes all but the newest `keep` runs under `dir`. Folders sharing a stamp are one run (a mutant batch's
 * `mutants-<stamp>` and its `mutant-<name>-<stamp>` reports go together). `latest`, anything unstamped and
 * files are never touched. Returns the removed folders' names.
 */
export function pruneReports(dir = path.resolve('reports'), keep = DEFAULT_KEEP): string[] {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`--keep must be a whole number ≥ 1, got ${keep}`);
  if (!existsSync(dir)) return [];
  const byStamp = new Map<string, string[]>();
  for (const name of readdirSync(dir)) {
    const stamp = STAMP.exec(name)?.[1];
    if (!stamp || name === 'latest' || !statSync(path.join(dir, name)).isDirectory()) continue;
    byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), name]);
  }
  const stamps = [...byStamp.keys()].sort().reverse();
  const removed: string[] = [];
  for (const stamp of stamps.slice(keep)) {
    for (const name of byStamp.get(stamp) ?? []) {
      rmSync(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed.sort();
}

/** The disk sink: every file under DATA_DIR, TMPDIR and the Postgres data dir, and the working directory's recent files. */
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnvironmentInfo } from '../../environment-info.ts';
import { messageOf } from '../../errors.ts';
import type { ControlPlant } from '../control-plant.ts';
import type { LocationMatches, NeedleTable } from '../needle-table.ts';
import type { SinkReport, SweptSource } from '../sweep-types.ts';

export interface DiskRoot {
  role: 'DATA_DIR' | 'TMPDIR' | 'postgres data directory' | 'working directory' | 'container writable layer';
  dir: string;
  /** only files modified at or after this time (ms since epoch); null: every file */
  modifiedSince: number | null;
  /** directories not descended into */
  exclude: string[];
}

/** The harness's own captures (target logs, statement log) live under the working directory; they are other sinks. */
function harnessLogDirs(env: EnvironmentInfo, extraLogFiles: readonly string[]): string[] {
  const files = [
    ...env.replicas.flatMap((r) => r.logFiles),
    ...extraLogFiles,
    ...(env.database.statementLogFile ? [env.database.statementLogFile] : []),
  ];
  return [...new Set(files.map((file) => path.resolve(path.dirname(file))))];
}

export function diskRoots(
  env: EnvironmentInfo,
  extraLogFiles: readonly string[],
): { roots: DiskRoot[]; missing: string[] } {
  const roots: DiskRoot[] = [];
  const missing: string[] = [];
  const add = (
    role: DiskRoot['role'],
    dir: string | null,
    modifiedSince: number | null,
    exclude: string[],
  ) => {
    if (dir === null) missing.push(role);
    else roots.push({ role, dir: path.resolve(dir), modifiedSince, exclude });
  };
  add('DATA_DIR', env.dirs.dataDir, null, []);
  add('TMPDIR', env.dirs.tmpDir, null, []);
  add('postgres data directory', env.database.dataDir, null, []);
  add('working directory', env.dirs.workDir, Date.parse(env.startedAt), harnessLogDirs(env, extraLogFiles));
  return { roots, missing };
}

/** Regular files under `root` (symlinks are not followed), filtered by modification time. */
async function listFiles(
  root: DiskRoot,
  unreadable: SinkReport['unreadable'],
): Promise<Array<{ file: string; size: number }>> {
  const out: Array<{ file: string; size: number }> = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // a directory removed while we walk (a dropped table's files, a finished spool) is simply gone
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        unreadable.push({ location: dir, error: messageOf(error) });
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!root.exclude.includes(full)) await walk(full);
      } else if (entry.isFile()) {
        const info = await stat(full).catch(() => null);
        if (info === null) continue;
        if (root.modifiedSince !== null && info.mtimeMs < root.modifiedSince) continue;
        out.push({ file: full, size: info.size });
      }
    }
  };
  await walk(root.dir);
  return out;
}

/** Writes the control's text embeddings into one new file per root (not into Postgres's own directory). */
export async function plantControlFiles(
  roots: readonly DiskRoot[],
  control: ControlPlant,
): Promise<{ files: Map<string, DiskRoot>; remove: () => Promise<void> }> {
  const files = new Map<string, DiskRoot>();
  for (const root of roots) {
    if (root.role === 'postgres data directory') continue;
    // `.log`: git ignores it in a work tree, should a crash leave it behind
    const file = path.join(root.dir, `.harness-sweep-control-${randomBytes(6).toString('hex')}.log`);
    await writeFile(file, control.text());
    files.set(file, root);
  }
  return {
    files,
    remove: async () => {
      await Promise.all([...files.keys()].map((file) => rm(file, { force: true })));
    },
  };
}

export interface DiskScan {
  sources: SweptSource[];
  unreadable: SinkReport['unreadable'];
  matches: LocationMatches[];
  bytes: number;
}

/** Reads every file of every root once, hashing and matching in the same pass. */
export async function scanDisk(
  roots: readonly DiskRoot[],
  table: NeedleTable,
  newMatches: (location: string) => LocationMatches,
): Promise<DiskScan> {
  const scan: DiskScan = { sources: [], unreadable: [], matches: [], bytes: 0 };
  const seen = new Set<string>();
  for (const root of roots) {
    for (const { file } of await listFiles(root, scan.unreadable)) {
      if (seen.has(file)) continue;
      seen.add(file);
      const matches = newMatches(file);
      const hash = createHash('sha256');
      try {
        const bytes = await table.matcher.scanFile(file, matches.add, (chunk) => hash.update(chunk));
        scan.bytes += bytes;
        scan.sources.push({ location: file, bytes, sha256: hash.digest('hex') });
        scan.matches.push(matches);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          scan.unreadable.push({ location: file, error: messageOf(error) });
      }
    }
  }
  return scan;
}

export function describeRoots(roots: readonly DiskRoot[], missing: readonly string[]): string {
  const parts = roots.map((root) =>
    root.modifiedSince === null
      ? `${root.role} ${root.dir}: every file`
      : `${root.role} ${root.dir}: files modified since ${new Date(root.modifiedSince).toISOString()} ` +
        `(the environment's start), excluding the harness's log captures ${root.exclude.join(', ') || '-'}`,
  );
  if (missing.length > 0) parts.push(`not readable in this mode: ${missing.join(', ')}`);
  return `${parts.join('; ')}. Postgres data directory read after CHECKPOINT and pg_switch_wal().`;
}

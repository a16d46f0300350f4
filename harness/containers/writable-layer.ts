// The containers mode's disk sink source: a replica's writable layer (`docker diff`) copied out as files for the sweep.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getContainerRuntimeClient } from 'testcontainers';
import type { EnvironmentInfo } from '../environment-info.ts';
import type { DiskRoot } from '../probes/sinks/disk-sink.ts';
import { CONTAINER_PATHS } from './container-paths.ts';

interface Change {
  Path: string;
  /** 0 modified, 1 added, 2 deleted */
  Kind: number;
}

/** The smallest set of paths whose archives hold every added or modified file of the diff. */
export function pathsToCopy(changes: readonly Change[], skip: readonly string[]): string[] {
  const live = changes.filter(
    (c) => c.Kind !== 2 && !skip.some((s) => c.Path === s || c.Path.startsWith(`${s}/`)),
  );
  const added = new Set(live.filter((c) => c.Kind === 1).map((c) => c.Path));
  const hasChild = new Set<string>();
  for (const c of live) hasChild.add(path.posix.dirname(c.Path));
  const out: string[] = [];
  for (const c of live) {
    const parentAdded = added.has(path.posix.dirname(c.Path));
    if (parentAdded) continue; // inside an added directory: its archive covers it
    if (c.Kind === 1) out.push(c.Path);
    else if (!hasChild.has(c.Path)) out.push(c.Path); // a modified leaf: a file whose content changed
  }
  return out.sort();
}

/**
 * Copies every added or changed path of container `id`'s writable layer (except `skip`, e.g. the
 * bind mounts the sweep reads anyway) into `destDir`, keeping its path. Returns what it copied.
 */
export async function copyWritableLayer(
  id: string,
  destDir: string,
  skip: readonly string[] = [],
): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  const changes = ((await container.changes()) ?? []) as Change[];
  const paths = pathsToCopy(changes, skip);
  for (const p of paths) {
    const into = path.join(destDir, path.posix.dirname(p));
    await mkdir(into, { recursive: true });
    const archive = await client.container.fetchArchive(container, p);
    const tar = spawn('tar', ['-x', '--no-same-owner', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)));
    await pipeline(archive, tar.stdin);
    const code = await exited;
    if (code !== 0)
      throw new Error(`tar could not unpack ${p} of container ${id.slice(0, 12)}: ${stderr.trim()}`);
  }
  return paths;
}

/** Copies every replica's writable layer (mounts excluded) into a temp dir: a disk root for the sweep. */
export async function copyWritableLayers(
  env: EnvironmentInfo,
): Promise<{ root: DiskRoot; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mintoken-writable-layer-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    for (const [index, id] of (env.container?.replicaIds ?? []).entries()) {
      await copyWritableLayer(id, path.join(dir, `replica-${index}`), [
        CONTAINER_PATHS.certDir,
        CONTAINER_PATHS.dataDir,
        CONTAINER_PATHS.tmpDir,
        CONTAINER_PATHS.diagnosticDir,
      ]);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { root: { role: 'container writable layer', dir, modifiedSince: null, exclude: [] }, remove };
}

/** One more process of the target that a single test owns: to SIGTERM it, or to run it with overrides (a small pool, an untrusted upstream). */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type StartedTargetProcess, TargetProcess } from '../embedded/target-process.ts';
import type { EnvironmentInfo } from '../environment-info.ts';
import { HarnessError } from '../errors.ts';
import { loadManifest } from '../manifest.ts';

export interface SpareReplica {
  httpsUrl: string;
  httpUrl: string;
  pid: number;
  logFiles: string[];
  /** SIGTERM, up to 10 s of drain, then SIGKILL; resolves once the process is gone */
  stop(): Promise<void>;
  hasExited(): boolean;
}

/**
 * Why a spare replica cannot be started in this environment, or null. Only process mode starts
 * targets itself; the others would need their own provider's help.
 */
export function spareReplicaUnavailable(env: EnvironmentInfo): string | null {
  if (env.mode !== 'process') return `the harness starts no target process in ${env.mode} mode`;
  if (env.dirs.dataDir === null || env.dirs.tmpDir === null) return 'DATA_DIR/TMPDIR are unknown';
  return null;
}

export interface SpareReplicaOptions {
  /** part of the process name in logs and directories */
  name?: string;
  /** variables on top of the contract environment the shared replicas got */
  overrides?: Record<string, string>;
}

/**
 * Starts the same command the environment started (the mutant's, when a mutant runs) against the
 * same database and mocks, with the same environment plus `overrides`, fresh ports, its own
 * DATA_DIR/TMPDIR under the environment's parents (so disk sweeps cover them) and its logs beside
 * the replicas' logs.
 */
export async function startSpareReplica(
  env: EnvironmentInfo,
  options: SpareReplicaOptions = {},
): Promise<SpareReplica> {
  const manifest = await loadManifest(env.manifestPath);
  const run = manifest.run.process;
  const reason = spareReplicaUnavailable(env);
  if (run === undefined || reason !== null || env.dirs.dataDir === null || env.dirs.tmpDir === null) {
    throw new HarnessError(
      'HARNESS_ERR_SPARE_REPLICA_UNAVAILABLE',
      `cannot start a replica of its own for this test: ${reason ?? `${env.manifestPath} has no run.process`}`,
    );
  }
  const command = env.mutant === null ? run.command : [...(run.mutantCommand ?? run.command), env.mutant];
  const name = `replica-${options.name ?? 'spare'}-${randomBytes(4).toString('hex')}`;
  const dataDir = path.join(env.dirs.dataDir, name);
  const tmpDir = path.join(env.dirs.tmpDir, name);
  await Promise.all([mkdir(dataDir, { recursive: true }), mkdir(tmpDir, { recursive: true })]);
  const logDir = path.dirname(env.replicas[0]?.logFiles[0] ?? path.join(dataDir, 'logs', 'x'));
  const started: StartedTargetProcess = await new TargetProcess(name, command)
    .withCwd(run.cwd)
    .withEnv({ ...env.targetEnv, DATA_DIR: dataDir, TMPDIR: tmpDir, ...options.overrides })
    .withCaPem(env.caPem)
    .withLogDir(logDir)
    .start();
  return {
    httpsUrl: started.getHttpsUrl(),
    httpUrl: started.getHttpUrl(),
    pid: started.getPid(),
    logFiles: started.getLogFiles(),
    stop: () => started.stop(),
    hasExited: () => started.hasExited(),
  };
}

/** One more process or container of the target that a single test owns: to SIGTERM it, or to run it with overrides (a small pool, an untrusted upstream). */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { containerLabels } from '../containers/docker.ts';
import { startTargetContainer } from '../containers/target-container.ts';
import { type StartedTargetProcess, TargetProcess } from '../embedded/target-process.ts';
import type { EnvironmentInfo } from '../environment-info.ts';
import { HarnessError } from '../errors.ts';
import { loadManifest } from '../manifest.ts';

/** A spare container gets as long as the environment's replicas did on a loaded machine. */
const SPARE_READY_TIMEOUT_MS = 60_000;

export interface SpareReplica {
  httpsUrl: string;
  httpUrl: string;
  /** the process (the container's main process as the host sees it); null when Docker does not say */
  pid: number | null;
  logFiles: string[];
  /** SIGTERM, up to 10 s of drain, then SIGKILL; resolves once the process is gone */
  stop(): Promise<void>;
  hasExited(): boolean;
}

/**
 * Why a spare replica cannot be started in this environment, or null. Process mode starts one more
 * process, containers mode one more container of the image; a deployed target cannot be multiplied.
 */
export function spareReplicaUnavailable(env: EnvironmentInfo): string | null {
  if (env.mode === 'external') return 'the harness starts no target in external mode';
  if (env.dirs.dataDir === null || env.dirs.tmpDir === null) return 'DATA_DIR/TMPDIR are unknown';
  if (env.mode === 'container' && (env.container == null || env.dirs.diagnosticDir === null))
    return 'the environment does not say which image it runs';
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
  if (env.mode === 'container') return startSpareContainer(env, options);
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
  const logDir = replicaLogDir(env, dataDir);
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

/** Where the replicas' logs are, so a spare's logs sit beside them (its data dir's logs/ when none is known). */
function replicaLogDir(env: EnvironmentInfo, dataDir: string): string {
  return path.dirname(env.replicas[0]?.logFiles[0] ?? path.join(dataDir, 'logs', 'x'));
}

/**
 * Containers mode: one more container of the environment's image, with the replicas' environment plus
 * `overrides`, its own DATA_DIR/TMPDIR under the environment's (so disk sweeps cover them), the run's
 * certificates and diagnostic dir, labelled with the run (the provider removes what a test left).
 */
async function startSpareContainer(
  env: EnvironmentInfo,
  options: SpareReplicaOptions,
): Promise<SpareReplica> {
  const reason = spareReplicaUnavailable(env);
  const container = env.container;
  const { dataDir, tmpDir, diagnosticDir } = env.dirs;
  if (reason !== null || container == null || dataDir === null || tmpDir === null || diagnosticDir === null) {
    throw new HarnessError(
      'HARNESS_ERR_SPARE_REPLICA_UNAVAILABLE',
      `cannot start a replica of its own for this test: ${reason ?? 'no image recorded'}`,
    );
  }
  const name = `replica-${options.name ?? 'spare'}-${randomBytes(4).toString('hex')}`;
  const read = (file: string) => readFile(path.join(container.certDir, file), 'utf8');
  const { HTTPS_PORT: _https, HTTP_PORT: _http, ...contractEnv } = env.targetEnv;
  const started = await startTargetContainer({
    image: container.image,
    name,
    env: { ...contractEnv, ...options.overrides },
    certs: { caPem: env.caPem, certPem: await read('target-cert.pem'), keyPem: await read('target-key.pem') },
    hostDirs: { data: path.join(dataDir, name), tmp: path.join(tmpDir, name), diagnostics: diagnosticDir },
    labels: containerLabels(env.runId, name),
    logDir: replicaLogDir(env, dataDir),
    readyTimeoutMs: SPARE_READY_TIMEOUT_MS,
  });
  return {
    httpsUrl: `https://127.0.0.1:${started.httpsPort}`,
    httpUrl: `http://127.0.0.1:${started.httpPort}`,
    pid: started.pid,
    logFiles: started.logFiles,
    stop: () => started.stop(),
    hasExited: () => started.hasExited(),
  };
}

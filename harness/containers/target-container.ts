// One container of the target in the host's network namespace: started with the contract's environment, followed into log files, ready on GET /health, stopped or removed by its owner.
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { probeHealth } from '../embedded/target-process.ts';
import { formatDuration, HarnessError, messageOf } from '../errors.ts';
import { reserveFreePorts } from '../free-port.ts';
import { streamContainerLogs } from './container-logs.ts';
import { CONTAINER_PATHS } from './container-paths.ts';
import { RUN_LABEL } from './docker.ts';

const HEALTH_POLL_MS = 250;
/** How long a stopped container may drain after SIGTERM before Docker sends SIGKILL (as a process replica). */
const STOP_GRACE_S = 10;

// biome-ignore lint/suspicious/noExplicitAny: the mixin constructor signature TypeScript requires
type ContainerClass = new (...args: any[]) => GenericContainer;

/**
 * A container class that reports its id the moment Docker created it (a container whose start fails
 * is still removed) and runs a hook once it runs, before its wait strategy: where to follow its logs
 * (asked earlier, Docker ends the log stream of a container not yet started at once).
 */
export function tracked<Base extends ContainerClass>(base: Base) {
  return class extends base {
    #onCreated: (id: string) => void = () => undefined;
    #onStarting: (id: string) => Promise<void> = async () => undefined;
    #id = '';
    onCreated(callback: (id: string) => void): this {
      this.#onCreated = callback;
      return this;
    }
    onStarting(callback: (id: string) => Promise<void>): this {
      this.#onStarting = callback;
      return this;
    }
    protected override async containerCreated(containerId: string): Promise<void> {
      this.#id = containerId;
      this.#onCreated(containerId);
    }
    protected override async containerStarting(): Promise<void> {
      await this.#onStarting(this.#id);
    }
  };
}

const TrackedContainer = tracked(GenericContainer);

/** Removes a container and its anonymous volumes; one already gone is fine. */
export async function removeContainer(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.getById(id).remove({ force: true, v: true });
  } catch (error) {
    // 404: already gone (Testcontainers removes a container whose wait strategy failed)
    if (!/no such container|404/i.test(messageOf(error))) throw error;
  }
}

/** What a target container is started with. */
export interface TargetContainerSpec {
  image: string;
  /** in log file names and labels: `replica-0`, `replica-sigterm-1a2b` */
  name: string;
  /** the contract's environment, without HTTPS_PORT/HTTP_PORT (each container gets free ones) */
  env: Record<string, string>;
  /** the PEMs copied to CONTAINER_PATHS.certDir */
  certs: { caPem: string; certPem: string; keyPem: string };
  /** host dirs bind-mounted as DATA_DIR, TMPDIR and the diagnostic dir (created here, mode 0777) */
  hostDirs: { data: string; tmp: string; diagnostics: string };
  labels: Record<string, string>;
  logDir: string;
  readyTimeoutMs: number;
  /** told the container's id as soon as Docker made it (an exit hook removes it should the run die) */
  onCreated?: (id: string) => void;
}

export interface StartedTargetContainer {
  id: string;
  /** the container's main process as the host sees it (heap snapshots, write capture) */
  pid: number | null;
  httpsPort: number;
  httpPort: number;
  logFiles: string[];
  readyMs: number;
  /** SIGTERM, up to 10 s of drain, then SIGKILL; then removed, its logs closed */
  stop(): Promise<void>;
  /** removed at once (SIGKILL), its logs closed */
  remove(): Promise<void>;
  hasExited(): boolean;
}

/**
 * Starts the target image in the host's network namespace, binding loopback on two free ports: the
 * per-address claims (failed-auth throttle, signup limits) need each client's own address, and
 * Docker's published ports hand the target its bridge gateway's address for every client instead
 * (docs/architecture.md). Ready when our own GET /health over HTTPS (the run's CA) answers 200; a
 * container that exits first fails at once. A failed start removes the container and keeps its output.
 */
export async function startTargetContainer(spec: TargetContainerSpec): Promise<StartedTargetContainer> {
  const startedAt = performance.now();
  for (const dir of Object.values(spec.hostDirs)) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777); // the image may run as any uid
  }
  const logFiles = [
    path.join(spec.logDir, `${spec.name}-stdout.log`),
    path.join(spec.logDir, `${spec.name}-stderr.log`),
  ];
  const [httpsPort = 0, httpPort = 0] = await reserveFreePorts(2);
  let id: string | null = null;
  let stopLogs: (() => Promise<void>) | null = null;
  let exited = false;
  const remove = async () => {
    if (id !== null) await removeContainer(id);
    await stopLogs?.();
    stopLogs = null;
  };
  const builder = new TrackedContainer(spec.image)
    .onCreated((created) => {
      id = created;
      spec.onCreated?.(created);
    })
    .onStarting(async (running) => {
      stopLogs = await streamContainerLogs(running, logFiles[0] ?? '', logFiles[1] ?? '');
    })
    .withNetworkMode('host')
    .withLabels(spec.labels)
    .withEnvironment({ ...spec.env, HTTPS_PORT: String(httpsPort), HTTP_PORT: String(httpPort) })
    .withCopyContentToContainer([
      { content: spec.certs.caPem, target: `${CONTAINER_PATHS.certDir}/test-ca.pem`, mode: 0o644 },
      { content: spec.certs.certPem, target: `${CONTAINER_PATHS.certDir}/target-cert.pem`, mode: 0o644 },
      // readable by the image's own (unknown) uid; a throwaway key of this run's test CA
      { content: spec.certs.keyPem, target: `${CONTAINER_PATHS.certDir}/target-key.pem`, mode: 0o644 },
    ])
    .withBindMounts([
      { source: spec.hostDirs.data, target: CONTAINER_PATHS.dataDir },
      { source: spec.hostDirs.tmp, target: CONTAINER_PATHS.tmpDir },
      { source: spec.hostDirs.diagnostics, target: CONTAINER_PATHS.diagnosticDir },
    ])
    // nothing is published, so readiness is our own GET /health (below)
    .withStartupTimeout(spec.readyTimeoutMs);
  let container: StartedTestContainer;
  try {
    container = await builder.start();
    await waitForHealth(container, httpsPort, spec.certs.caPem, spec.readyTimeoutMs);
  } catch (error) {
    await remove().catch(() => undefined);
    throw new HarnessError(
      'HARNESS_ERR_TARGET_START_FAILED',
      `${spec.name} (${spec.image}) did not answer GET /health over HTTPS on ${httpsPort} within ${formatDuration(spec.readyTimeoutMs)}: ` +
        `${messageOf(error)}. Its output is in ${logFiles.join(' and ')}.`,
      { cause: error },
    );
  }
  const client = await getContainerRuntimeClient();
  const handle = client.container.getById(container.getId());
  void handle
    .wait()
    .then(() => {
      exited = true;
    })
    .catch(() => undefined);
  return {
    id: container.getId(),
    pid: await hostPidOf(container),
    httpsPort,
    httpPort,
    logFiles,
    readyMs: performance.now() - startedAt,
    async stop() {
      try {
        await handle.stop({ t: STOP_GRACE_S });
      } catch (error) {
        // 304: already stopped; 404: already gone
        if (!/304|not modified|no such container|404/i.test(messageOf(error))) throw error;
      }
      exited = true;
      await remove();
    },
    remove,
    hasExited: () => exited,
  };
}

/**
 * Polls GET /health over HTTPS on 127.0.0.1:`port` (the run's CA) until it answers 200; stops early
 * when the container is no longer running (its output tells why).
 */
async function waitForHealth(
  container: StartedTestContainer,
  port: number,
  caPem: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const client = await getContainerRuntimeClient();
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    try {
      const status = await probeHealth(port, caPem);
      if (status === 200) return;
      last = `GET /health answered ${status}`;
    } catch (error) {
      last = messageOf(error);
    }
    const state = (
      (await client.container.getById(container.getId()).inspect()) as {
        State?: { Running?: boolean; ExitCode?: number };
      }
    ).State;
    if (state?.Running === false) throw new Error(`the container exited (code ${state.ExitCode ?? '?'})`);
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
  throw new Error(`no 200 from GET /health within ${formatDuration(timeoutMs)} (last: ${last})`);
}

/** The host's pid of a container's main process (null when Docker does not say). */
async function hostPidOf(container: StartedTestContainer): Promise<number | null> {
  const client = await getContainerRuntimeClient();
  const state = (
    (await client.container.getById(container.getId()).inspect()) as { State?: { Pid?: number } }
  ).State;
  return typeof state?.Pid === 'number' && state.Pid > 0 ? state.Pid : null;
}

/** Removes every container labelled with run `runId` (spares a test started and could not stop); their count. */
export async function removeContainersOfRun(runId: string): Promise<number> {
  const client = await getContainerRuntimeClient();
  const found = (await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${RUN_LABEL}=${runId}`] },
  })) as { Id: string }[];
  for (const { Id } of found) await removeContainer(Id);
  return found.length;
}

// startEnvironment: picks the provider for the manifest's run mode, owns the scratch dir and the teardown.
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CleanupStack, onProcessExit } from './cleanup-stack.ts';
import { containerProvider } from './containers/container-provider.ts';
import { embeddedProvider } from './embedded/embedded-provider.ts';
import type { EnvironmentInfo } from './environment-info.ts';
import { formatDuration, HarnessError } from './errors.ts';
import { externalProvider } from './external/external-provider.ts';
import { type Manifest, type RunMode, runModeOf } from './manifest.ts';

export interface StartEnvironmentOptions {
  /** the manifest file the run was started from (reported in EnvironmentInfo) */
  manifestPath: string;
  replicas?: number;
  /** run this mutant instead of the real target (process mode: run.process.mutantCommand + name) */
  mutant?: string | null;
  runId: string;
  /** `reports/<runId>`: logs land in `<reportDir>/logs/` and stay after stop() */
  reportDir: string;
  /** progress lines; default: `[harness] <message>` on stderr */
  onProgress?: (message: string) => void;
  /** how long a replica may take to answer GET /health (default 30 s) */
  readyTimeoutMs?: number;
  /** process mode: copy this template cluster (createPostgresTemplate) instead of running initdb */
  postgresTemplateDir?: string | null;
}

/** What a provider gets: the run's settings, a scratch dir, and a stack to defer its teardown onto. */
export interface ProviderContext {
  manifest: Manifest;
  manifestPath: string;
  replicas: number;
  mutant: string | null;
  runId: string;
  reportDir: string;
  logDir: string;
  /** per-run directory under the OS temp dir; removed by stop() */
  scratchDir: string;
  readyTimeoutMs: number;
  /** a template cluster to copy instead of running initdb (the kill matrix shares one); null: initdb */
  postgresTemplateDir: string | null;
  cleanup: CleanupStack;
  progress: (message: string) => void;
}

/**
 * The seam between the harness and a way of running a target. A provider starts everything the
 * target needs, defers each undo onto `context.cleanup` as soon as there is something to undo,
 * and returns the coordinates suites need. Container and external providers drop in here.
 */
export interface EnvironmentProvider {
  readonly mode: RunMode;
  start(context: ProviderContext): Promise<EnvironmentInfo>;
}

export interface StartedEnvironment {
  getInfo(): EnvironmentInfo;
  stop(): Promise<void>;
}

export const ENVIRONMENT_PROVIDERS: Readonly<Record<RunMode, EnvironmentProvider>> = {
  process: embeddedProvider,
  container: containerProvider,
  external: externalProvider,
};

const defaultProgress = (message: string): void => {
  process.stderr.write(`[harness] ${message}\n`);
};

/** `mintoken-harness-<runId>` under the OS temp dir (a suffix is added if that name is taken). */
async function createScratchDir(runId: string): Promise<string> {
  const preferred = path.join(tmpdir(), `mintoken-harness-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  let dir = preferred;
  try {
    await mkdir(preferred);
  } catch {
    dir = await mkdtemp(`${preferred}-`);
  }
  // Traversable but not listable by others: Postgres runs as its own OS user under this dir.
  await chmod(dir, 0o711);
  return dir;
}

/**
 * Starts the target described by `manifest` and everything around it. On failure, everything
 * already started is stopped and the scratch dir removed before the error is rethrown.
 */
export async function startEnvironment(
  manifest: Manifest,
  options: StartEnvironmentOptions,
): Promise<StartedEnvironment> {
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new HarnessError(
      'HARNESS_ERR_SETTINGS_INVALID',
      `replicas must be a whole number ≥ 1, got ${replicas}`,
    );
  }
  const progress = options.onProgress ?? defaultProgress;
  const provider = ENVIRONMENT_PROVIDERS[runModeOf(manifest)];
  const startedAt = performance.now();
  const cleanup = new CleanupStack();
  const scratchDir = await createScratchDir(options.runId);
  const unregisterExitHook = onProcessExit(() => rmSync(scratchDir, { recursive: true, force: true }));
  cleanup.defer(`remove scratch dir ${scratchDir}`, async () => {
    await rm(scratchDir, { recursive: true, force: true });
    unregisterExitHook();
  });
  let info: EnvironmentInfo;
  try {
    info = await provider.start({
      manifest,
      manifestPath: options.manifestPath,
      replicas,
      mutant: options.mutant ?? null,
      runId: options.runId,
      reportDir: options.reportDir,
      logDir: path.join(options.reportDir, 'logs'),
      scratchDir,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      postgresTemplateDir: options.postgresTemplateDir ?? null,
      cleanup,
      progress,
    });
  } catch (error) {
    progress(`start failed after ${formatDuration(performance.now() - startedAt)}; cleaning up`);
    await cleanup.unwind().catch((cleanupError: unknown) => {
      progress(cleanupError instanceof Error ? cleanupError.message : String(cleanupError));
    });
    throw error;
  }
  progress(`environment ready in ${formatDuration(performance.now() - startedAt)}`);
  let stopping: Promise<void> | null = null;
  return {
    getInfo: () => info,
    stop() {
      stopping ??= (async () => {
        const stopAt = performance.now();
        await cleanup.unwind();
        progress(`environment stopped in ${formatDuration(performance.now() - stopAt)}`);
      })();
      return stopping;
    },
  };
}

// Docker plumbing of the containers mode: where the engine is, whether it answers, and last-resort removal by id.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The socket scripts/docker-engine.sh starts its dockerd on (MINTOKEN_DOCKER_DIR overrides the dir). */
export function harnessDockerHost(env: NodeJS.ProcessEnv = process.env): string {
  return `unix://${env.MINTOKEN_DOCKER_DIR ?? '/var/tmp/mintoken-docker'}/docker.sock`;
}

/**
 * Points Testcontainers at an engine: DOCKER_HOST when set, else the harness's own engine when its
 * socket exists, with published ports looked for on 127.0.0.1. Ryuk is off: its image cannot be pulled here, and the code that starts a container
 * removes it (cleanup stack, exit hook). Call before the first Testcontainers call.
 */
export function configureDockerEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  if ((env.DOCKER_HOST ?? '') === '') {
    const own = harnessDockerHost(env);
    if (existsSync(own.slice('unix://'.length))) env.DOCKER_HOST = own;
  }
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // Published ports are on loopback (the harness's engine runs with --ip 127.0.0.1), and the harness
  // dials 127.0.0.1. Inside a container (/.dockerenv) Testcontainers would otherwise wait on the
  // bridge gateway's address, where nothing is published, until its startup timeout.
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}

/** `docker info` answers within a few seconds (the CLI reads DOCKER_HOST). */
export function dockerAnswers(env: NodeJS.ProcessEnv = process.env): { ok: boolean; detail: string } {
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    env,
    encoding: 'utf8',
    timeout: 5_000,
  });
  if (result.error) return { ok: false, detail: `docker CLI: ${result.error.message}` };
  if (result.status !== 0)
    return { ok: false, detail: (result.stderr || result.stdout).trim().split('\n')[0] ?? '' };
  return { ok: true, detail: `engine ${result.stdout.trim()} at ${env.DOCKER_HOST ?? 'the default socket'}` };
}

/** Whether the engine holds `image` (no pull is attempted). */
export function imageExists(image: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const result = spawnSync('docker', ['image', 'inspect', image], { env, stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}

/** Synchronous `docker rm -f` / `docker network rm` for an exit hook: best effort, errors swallowed. */
export function removeSync(kind: 'container' | 'network', ids: readonly string[]): void {
  if (ids.length === 0) return;
  try {
    execFileSync('docker', kind === 'container' ? ['rm', '-f', '-v', ...ids] : ['network', 'rm', ...ids], {
      stdio: 'ignore',
      timeout: 30_000,
    });
  } catch {
    // The process is exiting; the run's end check (docker ps -a --filter label=mintoken.harness) reports leftovers.
  }
}

/** Label on every container and network the harness starts: `docker ps -a --filter label=mintoken.harness`. */
export const HARNESS_LABEL = 'mintoken.harness';
/** Label naming the run a container belongs to: the provider removes every container of its run at the end. */
export const RUN_LABEL = 'mintoken.run';

/** The labels of a container of run `runId` in role `role` (postgres, replica-0, a spare's name). */
export function containerLabels(runId: string, role: string): Record<string, string> {
  return { [HARNESS_LABEL]: 'true', [RUN_LABEL]: runId, 'mintoken.role': role };
}

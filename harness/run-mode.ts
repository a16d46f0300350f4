// HARNESS_MODE=auto|process|container: which target manifest a run uses when HARNESS_TARGET does not name one, and why.
import { fileURLToPath } from 'node:url';
import { configureDockerEnvironment, dockerAnswers, imageExists } from './containers/docker.ts';
import { HarnessError } from './errors.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest, resolveTargetManifestPath, runModeOf } from './manifest.ts';

/** targets/reference-container.yaml: the reference proxy's image under Testcontainers. */
export const DEFAULT_CONTAINER_MANIFEST_PATH = fileURLToPath(
  new URL('../targets/reference-container.yaml', import.meta.url),
);
/** The images `npm run images` builds; a registry CI points HARNESS_POSTGRES_IMAGE at postgres:15. */
const DEFAULT_CONTAINER_IMAGES = ['mintoken-reference-proxy:local'] as const;

export const HARNESS_MODES = ['auto', 'process', 'container'] as const;
export type HarnessMode = (typeof HARNESS_MODES)[number];

export interface RunTarget {
  manifestPath: string;
  mode: 'process' | 'container' | 'external';
  /** one line: what was picked and why */
  reason: string;
}

export function harnessModeOf(env: NodeJS.ProcessEnv = process.env): HarnessMode {
  // Unset: HARNESS_TARGET's own mode, or else the embedded mode; a run never changes mode because a Docker
  // engine happens to be up. `auto` is asked for explicitly.
  const unset = (env.HARNESS_MODE ?? '').trim() === '';
  const raw = unset
    ? (env.HARNESS_TARGET ?? '').trim() !== ''
      ? 'auto'
      : 'process'
    : (env.HARNESS_MODE ?? '').trim();
  const mode = HARNESS_MODES.find((m) => m === raw);
  if (mode === undefined) {
    throw new HarnessError(
      'HARNESS_ERR_SETTINGS_INVALID',
      `HARNESS_MODE=${raw} is not one of ${HARNESS_MODES.join(', ')}`,
    );
  }
  return mode;
}

const ENGINE_HELP =
  'Start a Docker engine (as root: scripts/docker-engine.sh start, which installs docker.io when missing) ' +
  'or point DOCKER_HOST at one';

/** What keeps the containers mode from starting here, or null when an engine answers and the images exist. */
export function containerModeBlocker(
  images: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  configureDockerEnvironment(env);
  const engine = dockerAnswers(env);
  if (!engine.ok) return `no Docker engine answers (${engine.detail}). ${ENGINE_HELP}.`;
  const postgresImage = env.HARNESS_POSTGRES_IMAGE?.trim() || 'mintoken-postgres:local';
  const missing = [...images, postgresImage].filter((image) => !imageExists(image, env));
  if (missing.length > 0) {
    return `the engine lacks ${missing.join(', ')}. Build them with \`npm run images\` (or set HARNESS_POSTGRES_IMAGE / the manifest's run.container.image to images the engine has).`;
  }
  return null;
}

/**
 * HARNESS_TARGET wins when set (HARNESS_MODE, if forced, must agree with its run mode). Otherwise
 * `process` is targets/reference.yaml, `container` targets/reference-container.yaml (stops with what to
 * install or start when it cannot run), and `auto` the containers one when an engine answers and the
 * images exist, else the embedded one.
 */
export async function selectRunTarget(env: NodeJS.ProcessEnv = process.env): Promise<RunTarget> {
  const mode = harnessModeOf(env);
  if ((env.HARNESS_TARGET ?? '').trim() !== '') {
    const manifestPath = resolveTargetManifestPath(env);
    const manifestMode = runModeOf(await loadManifest(manifestPath));
    if (mode !== 'auto' && mode !== manifestMode) {
      throw new HarnessError(
        'HARNESS_ERR_SETTINGS_INVALID',
        `HARNESS_MODE=${mode} but HARNESS_TARGET=${manifestPath} is a run.${manifestMode} manifest; unset one of them.`,
      );
    }
    if (manifestMode === 'container') {
      const run = (await loadManifest(manifestPath)).run.container;
      const blocker = containerModeBlocker(run?.image === undefined ? [] : [run.image], env);
      if (blocker !== null) {
        throw new HarnessError(
          'HARNESS_ERR_MODE_UNAVAILABLE',
          `${manifestPath} needs the containers mode: ${blocker}`,
        );
      }
    }
    return {
      manifestPath,
      mode: manifestMode,
      reason: `HARNESS_TARGET names a run.${manifestMode} manifest`,
    };
  }
  if (mode === 'process') {
    return { manifestPath: DEFAULT_MANIFEST_PATH, mode: 'process', reason: 'HARNESS_MODE=process' };
  }
  const blocker = containerModeBlocker(DEFAULT_CONTAINER_IMAGES, env);
  if (mode === 'container') {
    if (blocker !== null) {
      throw new HarnessError(
        'HARNESS_ERR_MODE_UNAVAILABLE',
        `HARNESS_MODE=container cannot start: ${blocker}`,
      );
    }
    return {
      manifestPath: DEFAULT_CONTAINER_MANIFEST_PATH,
      mode: 'container',
      reason: 'HARNESS_MODE=container',
    };
  }
  if (blocker === null) {
    return {
      manifestPath: DEFAULT_CONTAINER_MANIFEST_PATH,
      mode: 'container',
      reason: `auto: a Docker engine answers (${env.DOCKER_HOST ?? 'default socket'}) and the images exist`,
    };
  }
  return {
    manifestPath: DEFAULT_MANIFEST_PATH,
    mode: 'process',
    reason: `auto: embedded, because ${blocker}`,
  };
}

// The containers provider (run.container): Postgres and N target replicas under Testcontainers on one Docker network.
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import pg from 'pg';
import { GenericContainer, getContainerRuntimeClient, Network } from 'testcontainers';
import { MockUpstreams } from '../../fixtures/mock-upstreams.ts';
import { createRunCertificates, TLS_HOSTNAME } from '../certs.ts';
import { onProcessExit } from '../cleanup-stack.ts';
import { STATEMENT_LOG_PREFIX } from '../embedded/postgres.ts';
import { targetEnvironment } from '../embedded/target-env.ts';
import type { EnvironmentProvider, ProviderContext } from '../environment.ts';
import { type EnvironmentInfo, PROVIDERS } from '../environment-info.ts';
import { formatDuration, HarnessError, messageOf } from '../errors.ts';
import { generateCanary, scramSha256Verifier } from '../run-secrets.ts';
import { streamContainerLogs } from './container-logs.ts';
import { CONTAINER_PATHS } from './container-paths.ts';
import { configureDockerEnvironment, containerLabels, removeSync } from './docker.ts';
import { removeContainer, removeContainersOfRun, startTargetContainer, tracked } from './target-container.ts';

/** Postgres image: official `postgres:15` on a registry CI, the one `npm run images` builds here. */
export const DEFAULT_POSTGRES_IMAGE = 'mintoken-postgres:local';
const PG_DATA = '/var/lib/postgresql/data';
const PG_LOG_DIR = '/var/log/harness-postgres';
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DATABASE = 'mintoken';
const LOGIN_ROLE = 'mintoken_owner';

/** Every container id (and network) the run created, for the exit hook and the cleanup stack. */
class Tracker {
  readonly containers = new Set<string>();
  readonly networks = new Set<string>();
}

const TrackedPostgresContainer = tracked(PostgreSqlContainer);

async function createLoginRoleAndDatabase(adminUrl: string, loginPassword: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const role = client.escapeIdentifier(LOGIN_ROLE);
    const verifier = client.escapeLiteral(scramSha256Verifier(loginPassword));
    await client.query(`CREATE ROLE ${role} LOGIN CREATEROLE NOSUPERUSER PASSWORD ${verifier}`);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)} OWNER ${role}`);
  } catch (error) {
    throw new HarnessError(
      'HARNESS_ERR_POSTGRES_SETUP_FAILED',
      `could not create role ${LOGIN_ROLE} and database ${DATABASE} in the Postgres container: ${messageOf(error)}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `step` and reports how long it took. */
async function timed<T>(step: () => Promise<T>): Promise<[T, number]> {
  const startedAt = performance.now();
  return [await step(), performance.now() - startedAt];
}

/** The image the replicas run: run.container.image, or one built from run.container.build. */
async function targetImage(ctx: ProviderContext): Promise<{ image: string; built: boolean }> {
  const run = ctx.manifest.run.container;
  if (run === undefined) throw new Error('the containers provider runs only run.container manifests');
  if (ctx.mutant !== null) {
    throw new HarnessError(
      'HARNESS_ERR_MUTANT_UNSUPPORTED',
      `mutant ${ctx.mutant} was requested, but the containers mode runs the image as it is; ` +
        'run mutants in process mode (targets/reference.yaml) or unset HARNESS_MUTANT.',
    );
  }
  if (run.image !== undefined) return { image: run.image, built: false };
  if (run.build === undefined) throw new Error('unreachable: the schema requires image or build');
  const tag = `mintoken-harness-target:${ctx.runId.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
  ctx.progress(`building ${run.build.dockerfile} (context ${run.build.context}) as ${tag}`);
  const [, ms] = await timed(() =>
    GenericContainer.fromDockerfile(
      run.build?.context ?? '.',
      path.relative(run.build?.context ?? '.', run.build?.dockerfile ?? ''),
    )
      .withCache(true)
      .build(tag, { deleteOnExit: false }),
  );
  ctx.progress(`target image built in ${formatDuration(ms)}`);
  return { image: tag, built: true };
}

async function imageDigest(image: string): Promise<string> {
  const client = await getContainerRuntimeClient();
  const info = (await client.container.dockerode.getImage(image).inspect()) as {
    Id: string;
    RepoDigests?: string[];
  };
  return info.RepoDigests?.[0] ?? info.Id;
}

async function start(ctx: ProviderContext): Promise<EnvironmentInfo> {
  const run = ctx.manifest.run.container;
  if (run === undefined) throw new Error('the containers provider runs only run.container manifests');
  configureDockerEnvironment();
  const startedAt = new Date().toISOString();
  const { scratchDir, cleanup, progress } = ctx;
  const tracker = new Tracker();
  const unregisterExitHook = onProcessExit(() => {
    removeSync('container', [...tracker.containers]);
    removeSync('network', [...tracker.networks]);
  });
  cleanup.defer('unregister the container exit hook', () => unregisterExitHook());
  // last of all: whatever a test started under this run's label and left behind (a spare replica)
  cleanup.defer('remove containers the tests left', async () => {
    const left = await removeContainersOfRun(ctx.runId);
    if (left > 0) progress(`removed ${left} container(s) a test had left running`);
  });
  progress(
    `starting ${ctx.manifest.name}: containers mode, ${ctx.replicas} replica(s), DOCKER_HOST ${process.env.DOCKER_HOST ?? '(default)'}`,
  );

  const { image } = await targetImage(ctx);
  const digest = await imageDigest(image).catch((error: unknown) => {
    throw new HarnessError(
      'HARNESS_ERR_CONTAINER_START_FAILED',
      `the target image ${image} is not in the Docker engine (${messageOf(error)}). ` +
        'Build it (npm run images builds mintoken-reference-proxy:local) or fix run.container.image.',
    );
  });
  progress(`target image ${image} (${digest})`);

  const network = await new Network().start();
  tracker.networks.add(network.getId());
  cleanup.defer(`remove network ${network.getName()}`, async () => {
    await network.stop();
    tracker.networks.delete(network.getId());
  });

  // Postgres: data dir and statement log are bind mounts, so the sweeps read them as files.
  const certsDir = path.join(scratchDir, 'certs');
  const pgDataDir = path.join(scratchDir, 'postgres-data');
  const pgLogDir = path.join(ctx.logDir, 'postgres');
  await mkdir(pgDataDir, { recursive: true });
  await mkdir(pgLogDir, { recursive: true });
  await chmod(pgLogDir, 0o777); // the server runs as its image's postgres user
  const superPassword = generateCanary();
  const loginPassword = generateCanary();
  const postgresImage = process.env.HARNESS_POSTGRES_IMAGE?.trim() || DEFAULT_POSTGRES_IMAGE;
  const [certsResult, postgresResult] = await Promise.allSettled([
    timed(() => createRunCertificates(certsDir)),
    timed(() =>
      new TrackedPostgresContainer(postgresImage)
        .onCreated((id) => {
          tracker.containers.add(id);
          cleanup.defer(`remove the postgres container (${id.slice(0, 12)})`, async () => {
            await removeContainer(id);
            tracker.containers.delete(id);
          });
        })
        .withUsername('postgres')
        .withPassword(superPassword)
        .withDatabase('postgres')
        .onStarting(async (id) => {
          // initdb and server output (the statement log has its own file), for a failed start too
          const logFile = path.join(ctx.logDir, 'postgres-container.log');
          const stop = await streamContainerLogs(id, logFile, logFile);
          cleanup.defer('close the postgres container log', () => stop());
        })
        .withNetwork(network)
        .withLabels(containerLabels(ctx.runId, 'postgres'))
        .withBindMounts([
          { source: pgDataDir, target: PG_DATA },
          { source: pgLogDir, target: PG_LOG_DIR },
        ])
        .withCommand([
          'postgres',
          // the prefix TENANCY-02's reader expects (session, transaction and application of each line)
          ...['-c', 'log_statement=all', '-c', `log_line_prefix=${STATEMENT_LOG_PREFIX}`],
          ...[
            '-c',
            'logging_collector=on',
            '-c',
            `log_directory=${PG_LOG_DIR}`,
            '-c',
            'log_filename=postgres.log',
          ],
          ...['-c', 'log_file_mode=0644', '-c', 'log_rotation_age=0', '-c', 'log_rotation_size=0'],
          ...['-c', 'fsync=off'],
        ])
        // initdb on a loaded 2-core machine can take most of a minute
        .withStartupTimeout(Math.max(ctx.readyTimeoutMs, 120_000))
        .start(),
    ),
  ]);
  if (certsResult.status === 'rejected') throw certsResult.reason;
  if (postgresResult.status === 'rejected') {
    throw new HarnessError(
      'HARNESS_ERR_CONTAINER_START_FAILED',
      `the Postgres container (${postgresImage}) did not start: ${messageOf(postgresResult.reason)}. ` +
        'Build the image (npm run images) or set HARNESS_POSTGRES_IMAGE (e.g. postgres:15 where a registry is reachable).',
      { cause: postgresResult.reason },
    );
  }
  const [certs, certsMs] = certsResult.value;
  const [postgres, pgMs] = postgresResult.value;
  const pgPort = postgres.getMappedPort(5432);
  const adminUrl = `postgres://postgres:${superPassword}@127.0.0.1:${pgPort}/${DATABASE}`;
  await createLoginRoleAndDatabase(
    `postgres://postgres:${superPassword}@127.0.0.1:${pgPort}/postgres`,
    loginPassword,
  );
  progress(
    `certificates ready in ${formatDuration(certsMs)}; postgres (${postgresImage}) ready in ${formatDuration(pgMs)} on 127.0.0.1:${pgPort}`,
  );

  // the replicas share the host's network namespace (see startReplica): the mocks stay on loopback
  const mocks = await new MockUpstreams().withCertificate(certs.upstream, certs.ca.certPem).start();
  cleanup.defer('stop mock upstreams', () => mocks.stop());
  progress(`mock upstreams on 127.0.0.1; control API ${mocks.getControlUrl()}`);

  const upstreamUrls = {
    openai: mocks.getUrl('openai'),
    anthropic: mocks.getUrl('anthropic'),
    google: mocks.getUrl('google'),
  };
  const secrets = { jwtSecret: generateCanary(), apiKeyPepper: generateCanary(), dbPassword: loginPassword };
  // NODE_OPTIONS stays: a Node image writes heap snapshots (SIGUSR2) into the mounted diagnostic dir;
  // any other image ignores it
  const baseEnv = targetEnvironment({
    caCertFile: `${CONTAINER_PATHS.certDir}/test-ca.pem`,
    targetCertFile: `${CONTAINER_PATHS.certDir}/target-cert.pem`,
    targetKeyFile: `${CONTAINER_PATHS.certDir}/target-key.pem`,
    databaseUrl: `postgres://${LOGIN_ROLE}:${loginPassword}@127.0.0.1:${pgPort}/${DATABASE}`,
    upstreamUrls,
    jwtSecret: secrets.jwtSecret,
    apiKeyPepper: secrets.apiKeyPepper,
    dataDir: CONTAINER_PATHS.dataDir,
    tmpDir: CONTAINER_PATHS.tmpDir,
    diagnosticDir: CONTAINER_PATHS.diagnosticDir,
    limits: ctx.manifest.limits,
    manifestEnv: undefined,
  });
  const containerEnv: Record<string, string> = {
    ...baseEnv,
    PATH: CONTAINER_PATH,
    HOME: CONTAINER_PATHS.tmpDir,
    // the host's network namespace: loopback only, like a process-mode replica
    BIND_HOST: '127.0.0.1',
  };

  // DATA_DIR and TMPDIR are bind mounts per replica: the disk sweeps read them as in process mode.
  const dataDir = path.join(scratchDir, 'target-data');
  const tmpDir = path.join(scratchDir, 'target-tmp');
  // one diagnostic dir for every replica: a snapshot's file name carries the pid it was taken of
  const diagnosticDir = path.join(scratchDir, 'target-diagnostics');
  const startReplica = async (index: number) => {
    const name = `replica-${index}`;
    const started = await startTargetContainer({
      image,
      name,
      env: containerEnv,
      certs: { caPem: certs.ca.certPem, certPem: certs.target.certPem, keyPem: certs.target.keyPem },
      hostDirs: { data: path.join(dataDir, name), tmp: path.join(tmpDir, name), diagnostics: diagnosticDir },
      labels: containerLabels(ctx.runId, name),
      logDir: ctx.logDir,
      readyTimeoutMs: ctx.readyTimeoutMs,
      onCreated: (id) => tracker.containers.add(id),
    });
    cleanup.defer(`remove ${name} (${started.id.slice(0, 12)})`, async () => {
      await started.remove();
      tracker.containers.delete(started.id);
    });
    progress(
      `${name} ready in ${formatDuration(started.readyMs)} at https://127.0.0.1:${started.httpsPort} (container ${started.id.slice(0, 12)})`,
    );
    return started;
  };
  // Replica 0 runs the migrations; the others start once it is up.
  const first = await startReplica(0);
  const others = await Promise.all(Array.from({ length: ctx.replicas - 1 }, (_, i) => startReplica(i + 1)));
  const replicas = [first, ...others];
  const host = '127.0.0.1';

  return {
    runId: ctx.runId,
    targetName: ctx.manifest.name,
    mode: 'container',
    manifestPath: ctx.manifestPath,
    mutant: null,
    replicas: replicas.map((r) => {
      const { httpsPort, httpPort } = r;
      return {
        httpsUrl: `https://${host}:${httpsPort}`,
        httpUrl: `http://${host}:${httpPort}`,
        httpsPort,
        httpPort,
        // the container's main process as the host sees it: the heap sink signals it (SIGUSR2)
        pid: r.pid,
        logFiles: r.logFiles,
      };
    }),
    caPem: certs.ca.certPem,
    tlsHostname: TLS_HOSTNAME,
    upstreams: Object.fromEntries(
      PROVIDERS.map((p) => [p, { url: upstreamUrls[p] }]),
    ) as EnvironmentInfo['upstreams'],
    mockControlUrl: mocks.getControlUrl(),
    database: {
      adminUrl,
      schemas: ctx.manifest.database.schemas,
      tenantRole: ctx.manifest.database.tenantRole,
      tenantContext: ctx.manifest.database.tenantContext,
      statementLogFile: path.join(pgLogDir, 'postgres.log'),
      dataDir: pgDataDir,
    },
    // the image's own files (its workdir) are covered by the writable-layer sweep, not as a host dir
    dirs: { dataDir, tmpDir, workDir: null, diagnosticDir },
    container: {
      image,
      imageDigest: digest,
      postgresImage,
      replicaIds: replicas.map((r) => r.id),
      certDir: certsDir,
    },
    startedAt,
    secrets,
    accounts: ctx.manifest.accounts,
    targetEnv: { ...containerEnv, HTTPS_PORT: String(first.httpsPort), HTTP_PORT: String(first.httpPort) },
  };
}

export const containerProvider: EnvironmentProvider = { mode: 'container', start };

// The embedded provider (run.process): test CA, embedded Postgres, mock upstreams and N target processes.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MockUpstreams } from '../../fixtures/mock-upstreams.ts';
import { createRunCertificates, TLS_HOSTNAME } from '../certs.ts';
import type { EnvironmentProvider, ProviderContext } from '../environment.ts';
import { type EnvironmentInfo, PROVIDERS, type ReplicaInfo } from '../environment-info.ts';
import { formatDuration, HarnessError } from '../errors.ts';
import type { ProcessRun } from '../manifest.ts';
import { generateCanary } from '../run-secrets.ts';
import { EmbeddedPostgres } from './postgres.ts';
import { targetEnvironment } from './target-env.ts';
import { type StartedTargetProcess, TargetProcess } from './target-process.ts';

/** The argv of the target, or of the mutant when the mutant runner asked for one. */
function commandFor(run: ProcessRun, mutant: string | null, manifestPath: string): readonly string[] {
  if (mutant === null) return run.command;
  if (run.mutantCommand === undefined) {
    throw new HarnessError(
      'HARNESS_ERR_MUTANT_UNSUPPORTED',
      `mutant ${mutant} was requested, but ${manifestPath} has no run.process.mutantCommand; ` +
        'add one (the mutant name is appended to it) or unset HARNESS_MUTANT.',
    );
  }
  return [...run.mutantCommand, mutant];
}

/** Runs `step` and reports how long it took. */
async function timed<T>(step: () => Promise<T>): Promise<[T, number]> {
  const startedAt = performance.now();
  const result = await step();
  return [result, performance.now() - startedAt];
}

async function start(ctx: ProviderContext): Promise<EnvironmentInfo> {
  const run = ctx.manifest.run.process;
  if (run === undefined) throw new Error('the embedded provider runs only run.process manifests');
  const startedAt = new Date().toISOString();
  const command = commandFor(run, ctx.mutant, ctx.manifestPath);
  const { scratchDir, cleanup, progress } = ctx;
  const what = ctx.mutant === null ? ctx.manifest.name : `${ctx.manifest.name} mutant ${ctx.mutant}`;
  progress(`starting ${what}: process mode, ${ctx.replicas} replica(s), scratch ${scratchDir}`);

  // Certificates and Postgres don't depend on each other; whichever starts is stopped on failure.
  const [certsResult, postgresResult] = await Promise.allSettled([
    timed(() => createRunCertificates(path.join(scratchDir, 'certs'))),
    new EmbeddedPostgres(path.join(scratchDir, 'postgres'))
      .withStatementLogFile(path.join(ctx.logDir, 'postgres.log'))
      .withTemplate(ctx.postgresTemplateDir)
      .start(),
  ]);
  if (postgresResult.status === 'fulfilled')
    cleanup.defer('stop postgres', () => postgresResult.value.stop());
  if (certsResult.status === 'rejected') throw certsResult.reason;
  if (postgresResult.status === 'rejected') throw postgresResult.reason;
  const [certs, certsMs] = certsResult.value;
  const postgres = postgresResult.value;
  const t = postgres.timings;
  progress(`certificates ready in ${formatDuration(certsMs)}`);
  progress(
    `postgres ready in ${formatDuration(t.totalMs)} (${t.preparedBy} ${formatDuration(t.initdbMs)}, start ${formatDuration(t.startMs)}, ` +
      `setup ${formatDuration(t.setupMs)}) on 127.0.0.1:${postgres.getPort()}`,
  );

  const mocks = await new MockUpstreams().withCertificate(certs.upstream, certs.ca.certPem).start();
  cleanup.defer('stop mock upstreams', () => mocks.stop());
  progress(`mock upstreams ready; control API ${mocks.getControlUrl()}`);

  const dataDir = path.join(scratchDir, 'target-data');
  const tmpDir = path.join(scratchDir, 'target-tmp');
  // outside DATA_DIR and TMPDIR: a heap snapshot holds the backend secrets, and the disk sweeps cover those two
  const diagnosticDir = path.join(scratchDir, 'diagnostics');
  await mkdir(diagnosticDir, { recursive: true });
  const upstreamUrls = {
    openai: mocks.getUrl('openai'),
    anthropic: mocks.getUrl('anthropic'),
    google: mocks.getUrl('google'),
  };
  const secrets = {
    jwtSecret: generateCanary(),
    apiKeyPepper: generateCanary(),
    dbPassword: postgres.getLoginPassword(),
  };
  const baseEnv = targetEnvironment({
    caCertFile: certs.files.caCertFile,
    targetCertFile: certs.files.targetCertFile,
    targetKeyFile: certs.files.targetKeyFile,
    databaseUrl: postgres.getDatabaseUrl(),
    upstreamUrls,
    jwtSecret: secrets.jwtSecret,
    apiKeyPepper: secrets.apiKeyPepper,
    // Each replica gets its own subdirectory; the sweeps cover the parents.
    dataDir,
    tmpDir,
    diagnosticDir,
    limits: ctx.manifest.limits,
    manifestEnv: run.env,
  });

  const startReplica = async (index: number): Promise<StartedTargetProcess> => {
    const name = `replica-${index}`;
    const env = { ...baseEnv, DATA_DIR: path.join(dataDir, name), TMPDIR: path.join(tmpDir, name) };
    await Promise.all([mkdir(env.DATA_DIR, { recursive: true }), mkdir(env.TMPDIR, { recursive: true })]);
    const replica = await new TargetProcess(name, command)
      .withCwd(run.cwd)
      .withEnv({ ...env, ...run.env })
      .withCaPem(certs.ca.certPem)
      .withLogDir(ctx.logDir)
      .withReadyTimeout(ctx.readyTimeoutMs)
      .start();
    cleanup.defer(`stop ${name} (pid ${replica.getPid()})`, () => replica.stop());
    progress(
      `${name} ready in ${formatDuration(replica.readyMs)} at ${replica.getHttpsUrl()} (pid ${replica.getPid()})`,
    );
    return replica;
  };
  // Replica 0 runs the migrations; the others start once it is up.
  const first = await startReplica(0);
  const others = await Promise.all(Array.from({ length: ctx.replicas - 1 }, (_, i) => startReplica(i + 1)));
  const replicas = [first, ...others];

  const replicaInfo = (r: StartedTargetProcess): ReplicaInfo => ({
    httpsUrl: r.getHttpsUrl(),
    httpUrl: r.getHttpUrl(),
    ...r.getPorts(),
    pid: r.getPid(),
    logFiles: r.getLogFiles(),
  });
  const firstPorts = first.getPorts();
  return {
    runId: ctx.runId,
    targetName: ctx.manifest.name,
    mode: 'process',
    manifestPath: ctx.manifestPath,
    mutant: ctx.mutant,
    replicas: replicas.map(replicaInfo),
    caPem: certs.ca.certPem,
    tlsHostname: TLS_HOSTNAME,
    upstreams: Object.fromEntries(
      PROVIDERS.map((p) => [p, { url: upstreamUrls[p] }]),
    ) as EnvironmentInfo['upstreams'],
    mockControlUrl: mocks.getControlUrl(),
    database: {
      adminUrl: postgres.getAdminUrl(),
      schemas: ctx.manifest.database.schemas,
      tenantRole: ctx.manifest.database.tenantRole,
      tenantContext: ctx.manifest.database.tenantContext,
      statementLogFile: postgres.getStatementLogFile(),
      dataDir: postgres.getDataDir(),
    },
    dirs: { dataDir, tmpDir, workDir: path.resolve(run.cwd), diagnosticDir },
    startedAt,
    secrets,
    accounts: ctx.manifest.accounts,
    targetEnv: {
      ...baseEnv,
      DATA_DIR: path.join(dataDir, 'replica-0'),
      TMPDIR: path.join(tmpDir, 'replica-0'),
      HTTPS_PORT: String(firstPorts.httpsPort),
      HTTP_PORT: String(firstPorts.httpPort),
    },
  };
}

export const embeddedProvider: EnvironmentProvider = { mode: 'process', start };

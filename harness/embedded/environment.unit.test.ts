// Integration test of the embedded environment with a stub target: ready, logs kept, nothing left behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MockControlClient } from '../../fixtures/mock-upstreams.ts';
import { type StartedEnvironment, startEnvironment } from '../environment.ts';
import type { EnvironmentInfo } from '../environment-info.ts';
import { parseManifest } from '../manifest.ts';
import { createPostgresTemplate, removePostgresTemplate } from './postgres.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const STUB = ['node', 'harness/embedded/testing/stub-target.ts'];

function stubManifest(env: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return parseManifest(
    {
      name: 'stub-target',
      run: { process: { command: STUB, cwd: REPO_ROOT, env, ...extra } },
      database: { tenantRole: 'authenticated', tenantContext: 'supabase-jwt-claims' },
      accounts: 'signup',
      logs: 'capture',
    },
    'stub manifest',
  );
}

const reportRoot = await mkdtemp(path.join(tmpdir(), 'environment-test-reports-'));
afterAll(() => rm(reportRoot, { recursive: true, force: true }));

function options(runId: string) {
  return {
    manifestPath: 'stub manifest',
    runId,
    reportDir: path.join(reportRoot, runId),
    onProgress: () => undefined,
  };
}

/** Live processes whose command line mentions `needle` (our scratch dir: postgres, the stub). */
function processesMentioning(needle: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return [];
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmdline.includes(needle) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function getHealth(info: EnvironmentInfo): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = `${info.replicas[0]?.httpsUrl}/health`;
    request(url, { ca: info.caPem, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return false;
  }
}

describe('embedded environment', () => {
  let environment: StartedEnvironment;
  let info: EnvironmentInfo;

  it('starts postgres, the mock upstreams and two replicas that answer /health', async () => {
    environment = await startEnvironment(stubManifest(), { ...options('env-test-ok'), replicas: 2 });
    info = environment.getInfo();
    expect(info.mode).toBe('process');
    expect(info.replicas).toHaveLength(2);
    expect(await getHealth(info)).toBe(200);
    expect(existsSync(info.dirs.dataDir ?? '')).toBe(true);
  });

  it('gives the target a database role that owns its database and may create roles, but is no superuser', async () => {
    const client = new pg.Client({ connectionString: info.targetEnv.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query(
      'SELECT rolsuper, rolcreaterole, pg_get_userbyid(d.datdba) = current_user AS owner FROM pg_roles, pg_database d ' +
        'WHERE rolname = current_user AND d.datname = current_database()',
    );
    await client.end();
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: true, owner: true });
    expect(info.targetEnv.DATABASE_URL).toContain(info.secrets?.dbPassword ?? '(no secrets)');
  });

  it('keeps the target output and every statement, and no password in the statement log', async () => {
    const [stdoutLog = ''] = info.replicas[0]?.logFiles ?? [];
    expect(await readFile(stdoutLog, 'utf8')).toContain('database reachable');
    const statements = await readFile(info.database.statementLogFile ?? '', 'utf8');
    expect(statements).toContain('statement: SELECT current_user AS who');
    expect(statements).not.toContain(info.secrets?.dbPassword ?? '(no secrets)');
  });

  it('hands the target the contract environment and trusts the mock upstreams for it', async () => {
    expect(info.targetEnv).toMatchObject({
      LOG_LEVEL: 'debug',
      BIND_HOST: '127.0.0.1',
      UPSTREAM_TIMEOUT_SECONDS: '3',
    });
    expect(info.targetEnv.JWT_SECRET).toBe(info.secrets?.jwtSecret);
    expect(info.targetEnv.UPSTREAM_OPENAI_URL).toBe(info.upstreams.openai.url);
    // Each stub pinged the OpenAI mock over TLS at start-up, trusting NODE_EXTRA_CA_CERTS.
    const pings = await new MockControlClient(info.mockControlUrl ?? '').requests({ provider: 'openai' });
    expect(pings).toHaveLength(2);
  });

  it('stops every process, closes every port and removes the scratch dir', async () => {
    const scratch = path.dirname(info.dirs.dataDir ?? '');
    const pids = info.replicas.map((r) => r.pid ?? 0);
    const ports = [
      ...info.replicas.flatMap((r) => [r.httpsPort, r.httpPort]),
      Number(new URL(info.database.adminUrl ?? '').port),
      Number(new URL(info.upstreams.openai.url).port),
      Number(new URL(info.mockControlUrl ?? '').port),
    ];
    expect(processesMentioning(scratch).length).toBeGreaterThan(0); // positive control
    await environment.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(scratch)).toEqual([]);
    expect(existsSync(scratch)).toBe(false);
    for (const port of ports) expect(await isListening(port), `port ${port}`).toBe(false);
    expect(existsSync(info.replicas[0]?.logFiles[0] ?? '')).toBe(true);
  });
});

describe('embedded environment from a Postgres template (the kill matrix)', () => {
  it('copies the template instead of initdb, with a superuser password of its own', async () => {
    const templateDir = await createPostgresTemplate(
      path.join(tmpdir(), `mintoken-harness-env-test-template-${process.pid}`),
    );
    const templatePassword = (
      await readFile(path.join(templateDir, 'template-superuser-password'), 'utf8')
    ).trim();
    const progress: string[] = [];
    const environment = await startEnvironment(stubManifest(), {
      ...options('env-test-template'),
      replicas: 1,
      postgresTemplateDir: templateDir,
      onProgress: (line) => progress.push(line),
    });
    try {
      expect(progress.join('\n')).toMatch(/postgres ready in .*\(template copy /);
      const adminUrl = new URL(environment.getInfo().database.adminUrl ?? '');
      const admin = new pg.Client({ connectionString: adminUrl.href });
      await admin.connect();
      const { rows } = await admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_roles WHERE rolname = $1',
        ['mintoken_owner'],
      );
      await admin.end();
      expect(rows[0]?.n).toBe('1');
      expect(decodeURIComponent(adminUrl.password)).not.toBe(templatePassword);
      adminUrl.password = encodeURIComponent(templatePassword);
      const stale = new pg.Client({ connectionString: adminUrl.href });
      await expect(stale.connect()).rejects.toThrow(/password authentication failed/);
      await stale.end().catch(() => undefined);
    } finally {
      await environment.stop();
      await removePostgresTemplate(templateDir);
    }
    expect(existsSync(templateDir)).toBe(false);
  });
});

describe('embedded environment start failures', () => {
  it('reports a target that exits with its stderr, and leaves nothing behind', async () => {
    const runId = 'env-test-exit';
    const scratch = path.join(tmpdir(), `mintoken-harness-${runId}`);
    const attempt = startEnvironment(stubManifest({ STUB_BEHAVIOUR: 'exit-1' }), options(runId));
    await expect(attempt).rejects.toThrow(/HARNESS_ERR_TARGET_EXITED[\s\S]*refusing to start/);
    expect(existsSync(scratch)).toBe(false);
    expect(processesMentioning(scratch)).toEqual([]);
  });

  it('gives up on a target that never becomes ready', async () => {
    const attempt = startEnvironment(stubManifest({ STUB_BEHAVIOUR: 'never-ready' }), {
      ...options('env-test-never-ready'),
      readyTimeoutMs: 1_500,
    });
    await expect(attempt).rejects.toThrow(/HARNESS_ERR_TARGET_UNREACHABLE[\s\S]*answered 503/);
    expect(processesMentioning(path.join(tmpdir(), 'mintoken-harness-env-test-never-ready'))).toEqual([]);
  });

  it('starts the target again on new ports when it exits with EADDRINUSE (the pick-then-bind race)', async () => {
    const marker = path.join(reportRoot, 'eaddrinuse-marker');
    const environment = await startEnvironment(
      stubManifest({ STUB_BEHAVIOUR: 'eaddrinuse-once', STUB_MARKER_FILE: marker }),
      { ...options('env-test-eaddrinuse'), replicas: 1 },
    );
    try {
      expect(existsSync(marker)).toBe(true); // the first attempt did exit with EADDRINUSE
      const info = environment.getInfo();
      expect(await readFile(info.replicas[0]?.logFiles[1] ?? '', 'utf8')).toMatch(/EADDRINUSE/);
      expect(await isListening(info.replicas[0]?.httpsPort ?? 0)).toBe(true);
    } finally {
      await environment.stop();
    }
  });

  it('refuses a mutant when the manifest has no mutantCommand', async () => {
    await expect(
      startEnvironment(stubManifest(), { ...options('env-test-mutant'), mutant: 'ratelimit-off' }),
    ).rejects.toThrow(/HARNESS_ERR_MUTANT_UNSUPPORTED/);
    expect(existsSync(path.join(tmpdir(), 'mintoken-harness-env-test-mutant'))).toBe(false);
  });

  it('stops an external run whose URL does not answer, saying what to check, leaving nothing', async () => {
    const runId = 'env-test-external';
    const run = { external: { httpsUrl: 'https://127.0.0.1:9', httpUrl: 'http://127.0.0.1:9' } };
    const manifest = { ...stubManifest(), run, logs: 'none' as const };
    await expect(startEnvironment(manifest, { ...options(runId), readyTimeoutMs: 1_000 })).rejects.toThrow(
      /HARNESS_ERR_TARGET_UNREACHABLE[\s\S]*run\.external\.httpsUrl/,
    );
    expect(existsSync(path.join(tmpdir(), `mintoken-harness-${runId}`))).toBe(false);
  });

  it('stops a container run whose image the engine lacks (or with no engine) with what to do, leaving nothing', async () => {
    const runId = 'env-test-container';
    const run = { container: { image: 'ghcr.io/acme/proxy:1' } };
    await expect(startEnvironment({ ...stubManifest(), run }, options(runId))).rejects.toThrow(
      /HARNESS_ERR_(CONTAINER_START_FAILED|MODE_UNAVAILABLE)[\s\S]*(npm run images|docker-engine|Docker engine)/,
    );
    expect(existsSync(path.join(tmpdir(), `mintoken-harness-${runId}`))).toBe(false);
  });
});

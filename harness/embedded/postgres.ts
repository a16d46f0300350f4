// Embedded Postgres for one run: a fresh cluster, a statement log, and the target's own login role.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { onProcessExit } from '../cleanup-stack.ts';
import { formatDuration, HarnessError, messageOf } from '../errors.ts';
import { reserveFreePort } from '../free-port.ts';
import { generateCanary, scramSha256Verifier } from '../run-secrets.ts';
import {
  findPostgresBinaries,
  type PostgresBinaries,
  postgresRunAs,
  type RunAs,
} from './postgres-binaries.ts';
import {
  initCluster,
  startCluster,
  stopPostgresCluster,
  stopPostgresClusterSync,
} from './postgres-cluster.ts';

const SUPERUSER = 'postgres';
const LOG_PROBE_TIMEOUT_MS = 3_000;
/** The statement log's line prefix; harness/inspect/statement-log.ts reads exactly these fields. */
export const STATEMENT_LOG_PREFIX = '%m [%p] %q%u@%d session=%c vxid=%v xid=%x app=%a ';

/** Settings appended to postgresql.conf: loopback TCP only, every statement into one stderr log. */
function serverSettings(port: number): string {
  return [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    "unix_socket_directories = ''",
    "log_destination = 'stderr'",
    'logging_collector = off',
    "log_statement = 'all'",
    // session id, virtual and real transaction id and application name: TENANCY-02 groups the target's
    // statements by session and transaction to see which role and tenant context each one ran under
    `log_line_prefix = '${STATEMENT_LOG_PREFIX}'`,
    // Durability buys nothing in a throwaway cluster; WAL is still written (SECRETS-03 sweeps it).
    'fsync = off',
    '',
  ].join('\n');
}

export interface PostgresTimings {
  initdbMs: number;
  startMs: number;
  setupMs: number;
  totalMs: number;
}

/**
 * `new EmbeddedPostgres(dir).withStatementLogFile(f).start()` → a cluster under `dir` whose
 * database `mintoken` is owned by the login role `mintoken_owner` (CREATEROLE, not superuser).
 */
export class EmbeddedPostgres {
  readonly #rootDir: string;
  #statementLogFile: string | null = null;
  #database = 'mintoken';
  #loginRole = 'mintoken_owner';

  constructor(rootDir: string) {
    this.#rootDir = rootDir;
  }

  /** Where every statement is logged (default `<dir>/postgres.log`); the file outlives the run. */
  withStatementLogFile(file: string): this {
    this.#statementLogFile = file;
    return this;
  }

  withDatabase(name: string, loginRole: string): this {
    this.#database = name;
    this.#loginRole = loginRole;
    return this;
  }

  async start(): Promise<StartedEmbeddedPostgres> {
    const startedAt = performance.now();
    const dataDir = path.join(this.#rootDir, 'data');
    const logFile = this.#statementLogFile ?? path.join(this.#rootDir, 'postgres.log');
    const bins = await findPostgresBinaries();
    const runAs = await postgresRunAs();
    const [port, superPassword, loginPassword] = [
      await reserveFreePort(),
      generateCanary(),
      generateCanary(),
    ];
    await mkdir(this.#rootDir, { recursive: true, mode: 0o700 });
    if (runAs.uid !== undefined) await chown(this.#rootDir, runAs.uid, runAs.gid ?? runAs.uid);
    await mkdir(path.dirname(logFile), { recursive: true });

    const t0 = performance.now();
    await initCluster(bins, runAs, this.#rootDir, dataDir, superPassword);
    await writeFile(path.join(dataDir, 'postgresql.conf'), serverSettings(port), { flag: 'a' });
    const t1 = performance.now();
    const unregisterExitHook = onProcessExit(() => stopPostgresClusterSync(bins, runAs, dataDir));
    const started = new StartedEmbeddedPostgres({
      bins,
      runAs,
      dataDir,
      logFile,
      port,
      superPassword,
      loginPassword,
      database: this.#database,
      loginRole: this.#loginRole,
      unregisterExitHook,
    });
    try {
      await startCluster(bins, runAs, dataDir, logFile);
      const t2 = performance.now();
      await started.createLoginRoleAndDatabase();
      await started.verifyStatementLog();
      const t3 = performance.now();
      started.timings = { initdbMs: t1 - t0, startMs: t2 - t1, setupMs: t3 - t2, totalMs: t3 - startedAt };
      return started;
    } catch (error) {
      await started.stop().catch(() => undefined);
      throw error;
    }
  }
}

interface StartedPostgresParts {
  bins: PostgresBinaries;
  runAs: RunAs;
  dataDir: string;
  logFile: string;
  port: number;
  superPassword: string;
  loginPassword: string;
  database: string;
  loginRole: string;
  unregisterExitHook: () => void;
}

export class StartedEmbeddedPostgres {
  readonly #p: StartedPostgresParts;
  #stopped = false;
  timings: PostgresTimings = { initdbMs: 0, startMs: 0, setupMs: 0, totalMs: 0 };

  constructor(parts: StartedPostgresParts) {
    this.#p = parts;
  }

  getPort(): number {
    return this.#p.port;
  }

  /** The target's DATABASE_URL: the login role (CREATEROLE, owner of the database). */
  getDatabaseUrl(): string {
    return `postgres://${this.#p.loginRole}:${this.#p.loginPassword}@127.0.0.1:${this.#p.port}/${this.#p.database}`;
  }

  /** Superuser URL of the same database, for the harness's own inspections. */
  getAdminUrl(): string {
    return `postgres://${SUPERUSER}:${this.#p.superPassword}@127.0.0.1:${this.#p.port}/${this.#p.database}`;
  }

  /** The login role's password: a per-run canary (SECRETS-09). */
  getLoginPassword(): string {
    return this.#p.loginPassword;
  }

  getLoginRole(): string {
    return this.#p.loginRole;
  }

  getDataDir(): string {
    return this.#p.dataDir;
  }

  getStatementLogFile(): string {
    return this.#p.logFile;
  }

  /** Creates the target's role and database. The password travels only as a SCRAM verifier. */
  async createLoginRoleAndDatabase(): Promise<void> {
    const { loginRole, database, loginPassword, port, superPassword } = this.#p;
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password: superPassword,
      database: 'postgres',
    });
    try {
      await client.connect();
      const role = client.escapeIdentifier(loginRole);
      const verifier = client.escapeLiteral(scramSha256Verifier(loginPassword));
      await client.query(`CREATE ROLE ${role} LOGIN CREATEROLE NOSUPERUSER PASSWORD ${verifier}`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${role}`);
    } catch (error) {
      throw new HarnessError(
        'HARNESS_ERR_POSTGRES_SETUP_FAILED',
        `could not create role ${loginRole} and database ${database} on 127.0.0.1:${port}: ${messageOf(error)}`,
        { cause: error },
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Positive control: a statement we send must show up in the statement log. */
  async verifyStatementLog(): Promise<void> {
    const marker = `harness-statement-log-probe-${randomBytes(8).toString('hex')}`;
    const client = new pg.Client({ connectionString: this.getAdminUrl() });
    try {
      await client.connect();
      await client.query(`SELECT ${client.escapeLiteral(marker)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    const deadline = performance.now() + LOG_PROBE_TIMEOUT_MS;
    while (performance.now() < deadline) {
      if ((await readFile(this.#p.logFile, 'utf8')).includes(marker)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new HarnessError(
      'HARNESS_ERR_POSTGRES_LOG_MISSING',
      `a probe statement did not reach ${this.#p.logFile} within ${formatDuration(LOG_PROBE_TIMEOUT_MS)}; ` +
        'the database checks (SECRETS-04) need log_statement=all in one file.',
    );
  }

  /** pg_ctl stop -m fast; then immediate; then SIGKILL of the postmaster. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      await stopPostgresCluster(this.#p.bins, this.#p.runAs, this.#p.dataDir);
    } finally {
      this.#p.unregisterExitHook();
    }
  }
}

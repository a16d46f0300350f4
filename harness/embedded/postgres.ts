// Embedded Postgres for one run: a fresh cluster, a statement log, and the target's own login role.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { onProcessExit } from '../cleanup-stack.ts';
import { formatDuration, HarnessError, isHarnessError, messageOf } from '../errors.ts';
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
  runCopy,
  startCluster,
  stopPostgresCluster,
  stopPostgresClusterSync,
} from './postgres-cluster.ts';

const SUPERUSER = 'postgres';
const LOG_PROBE_TIMEOUT_MS = 3_000;
/** How often the server is started again on a new port when another process took the one picked. */
const PORT_ATTEMPTS = 3;
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

/** Where a template cluster keeps its superuser password (readable by the harness only). */
const TEMPLATE_PASSWORD_FILE = 'template-superuser-password';

/**
 * initdb once into `<rootDir>/data`: runs started `withTemplate(rootDir)` copy that data directory
 * instead of running initdb again (the kill matrix starts one cluster per mutant). The copy gets its
 * own port, statement log, superuser password and login role, so every run stays as isolated as a
 * fresh initdb; remove the template with removePostgresTemplate().
 */
export async function createPostgresTemplate(rootDir: string): Promise<string> {
  const bins = await findPostgresBinaries();
  const runAs = await postgresRunAs();
  await mkdir(rootDir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined) await chown(rootDir, runAs.uid, runAs.gid ?? runAs.uid);
  const password = generateCanary();
  await initCluster(bins, runAs, rootDir, path.join(rootDir, 'data'), password);
  await writeFile(path.join(rootDir, TEMPLATE_PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  return rootDir;
}

export async function removePostgresTemplate(rootDir: string): Promise<void> {
  await rm(rootDir, { recursive: true, force: true });
}

export interface PostgresTimings {
  /** how the data directory was made: initdb, or a copy of a template cluster */
  preparedBy: 'initdb' | 'template copy';
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
  #templateDir: string | null = null;

  constructor(rootDir: string) {
    this.#rootDir = rootDir;
  }

  /** Where every statement is logged (default `<dir>/postgres.log`); the file outlives the run. */
  withStatementLogFile(file: string): this {
    this.#statementLogFile = file;
    return this;
  }

  /** Copy the data directory of createPostgresTemplate(dir) instead of running initdb (null: initdb). */
  withTemplate(dir: string | null): this {
    this.#templateDir = dir;
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
    let templatePassword: string | null = null;
    if (this.#templateDir === null) {
      await initCluster(bins, runAs, this.#rootDir, dataDir, superPassword);
    } else {
      const passwordFile = path.join(this.#templateDir, TEMPLATE_PASSWORD_FILE);
      templatePassword = (await readFile(passwordFile, 'utf8').catch(() => '')).trim();
      if (templatePassword === '') {
        throw new HarnessError(
          'HARNESS_ERR_POSTGRES_START_FAILED',
          `${passwordFile} is missing or empty: HARNESS_POSTGRES_TEMPLATE must name a directory made by ` +
            'createPostgresTemplate() (the mutant runner makes one); unset it to run initdb.',
        );
      }
      // cp -a keeps the owner (the postgres OS user when the harness runs as root) and the 0700 mode
      await runCopy(path.join(this.#templateDir, 'data'), dataDir);
    }
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
      templatePassword,
      loginPassword,
      database: this.#database,
      loginRole: this.#loginRole,
      unregisterExitHook,
    });
    try {
      // Postgres needs its port in its configuration, so the port is picked before the server binds
      // it: when another process took it meanwhile, start again on a new one (later lines win).
      for (let attempt = 1; ; attempt += 1) {
        try {
          await startCluster(bins, runAs, dataDir, logFile);
          break;
        } catch (error) {
          const lostPort =
            isHarnessError(error) && /could not bind|address already in use/i.test(error.message);
          if (!lostPort || attempt >= PORT_ATTEMPTS) throw error;
          started.setPort(await reserveFreePort());
          await writeFile(path.join(dataDir, 'postgresql.conf'), `port = ${started.getPort()}\n`, {
            flag: 'a',
          });
        }
      }
      const t2 = performance.now();
      await started.createLoginRoleAndDatabase();
      await started.verifyStatementLog();
      const t3 = performance.now();
      started.timings = {
        preparedBy: this.#templateDir === null ? 'initdb' : 'template copy',
        initdbMs: t1 - t0,
        startMs: t2 - t1,
        setupMs: t3 - t2,
        totalMs: t3 - startedAt,
      };
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
  /** the template's superuser password: replaced by superPassword before anything else runs */
  templatePassword: string | null;
  loginPassword: string;
  database: string;
  loginRole: string;
  unregisterExitHook: () => void;
}

export class StartedEmbeddedPostgres {
  readonly #p: StartedPostgresParts & { port: number };
  #stopped = false;
  timings: PostgresTimings = { preparedBy: 'initdb', initdbMs: 0, startMs: 0, setupMs: 0, totalMs: 0 };

  constructor(parts: StartedPostgresParts) {
    this.#p = parts;
  }

  getPort(): number {
    return this.#p.port;
  }

  /** Only before the server runs: the port it was started again on after losing the first pick. */
  setPort(port: number): void {
    this.#p.port = port;
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
    const { loginRole, database, loginPassword, port, superPassword, templatePassword } = this.#p;
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password: templatePassword ?? superPassword,
      database: 'postgres',
    });
    try {
      await client.connect();
      if (templatePassword !== null) {
        // a copied template: this run's own superuser password, as a SCRAM verifier like the login role's
        const superVerifier = client.escapeLiteral(scramSha256Verifier(superPassword));
        await client.query(`ALTER ROLE ${client.escapeIdentifier(SUPERUSER)} PASSWORD ${superVerifier}`);
      }
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

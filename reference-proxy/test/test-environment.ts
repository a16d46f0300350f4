// Test helper: the reference proxy's app wired to embedded Postgres, a TLS mock upstream and a captured logger.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { type Components, defaultComponents, type Runtime } from '../src/components.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/db/database.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createPlanPolicy } from '../src/plans.ts';
import { type StartedEmbeddedDatabase, startEmbeddedDatabase } from './embedded-database.ts';
import { type MockUpstream, startMockUpstream } from './mock-upstream.ts';
import { createTlsFixtures, type TlsFixtures } from './tls-fixtures.ts';

export type ComponentChange = (components: Components, config: Config, runtime: Runtime) => Components;

export interface TestEnvironment {
  config: Config;
  env: Record<string, string>;
  database: StartedEmbeddedDatabase;
  tls: TlsFixtures;
  upstream: MockUpstream;
  /** every log line the app wrote, raw */
  logs: string[];
  runtime: Runtime;
  components: Components;
  app: FastifyInstance;
  /** a second app on the same database, with one component replaced */
  buildVariant(change: ComponentChange, env?: Record<string, string>): Promise<FastifyInstance>;
  stop(): Promise<void>;
}

export async function startTestEnvironment(extraEnv: Record<string, string> = {}): Promise<TestEnvironment> {
  const tls = await createTlsFixtures();
  const database = await startEmbeddedDatabase();
  const upstream = await startMockUpstream(tls.serverCert, tls.serverKey);
  const env: Record<string, string> = {
    TLS_CERT_FILE: tls.serverCertFile,
    TLS_KEY_FILE: tls.serverKeyFile,
    UPSTREAM_CA_FILE: tls.caFile,
    DATABASE_URL: database.databaseUrl,
    DATABASE_POOL_SIZE: '5',
    UPSTREAM_OPENAI_URL: upstream.url,
    UPSTREAM_ANTHROPIC_URL: upstream.url,
    UPSTREAM_GOOGLE_URL: upstream.url,
    UPSTREAM_TIMEOUT_SECONDS: '2',
    JWT_SECRET: randomBytes(32).toString('hex'),
    API_KEY_PEPPER: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'debug',
    AUTH_FAILURE_LIMIT: '1000',
    // in-process tests sign up and mint from one address far more often than production allows
    SIGNUP_LIMIT: '100000',
    KEY_MINT_LIMIT: '100000',
    ...extraEnv,
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });

  const dbs: { end(): Promise<void> }[] = [];
  const apps: FastifyInstance[] = [];
  const upstreamClients: Components['upstreamClient'][] = [];
  async function assemble(variantEnv: Record<string, string>, change?: ComponentChange) {
    const config = loadConfig({ ...env, ...variantEnv });
    const db = createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
    dbs.push(db);
    const runtime: Runtime = { logger: createLogger('debug', sink), db, plans: createPlanPolicy(config) };
    await runMigrations(db, runtime.logger);
    const defaults = defaultComponents(config, runtime);
    const components = change === undefined ? defaults : change(defaults, config, runtime);
    const app = await buildApp(config, components, runtime);
    apps.push(app);
    upstreamClients.push(defaults.upstreamClient);
    return { config, runtime, components, app };
  }

  const main = await assemble({});
  return {
    ...main,
    env,
    database,
    tls,
    upstream,
    logs,
    async buildVariant(change, variantEnv = {}) {
      return (await assemble(variantEnv, change)).app;
    },
    async stop() {
      for (const app of apps) await app.close();
      for (const client of upstreamClients) await client.close();
      for (const db of dbs) await db.end();
      await upstream.close();
      await database.stop();
      await tls.remove();
    },
  };
}

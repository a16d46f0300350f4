// Shared start-up for the production entry and the mutant entry: env → runtime → components → server.
import type { Logger } from 'pino';
import { type Components, defaultComponents, type Runtime } from './components.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { createDatabase } from './db/database.ts';
import { setTrustedProxies } from './http/request-context.ts';
import { createLogger, type LogLevel } from './logging/logger.ts';
import { createPlanPolicy } from './plans.ts';
import { exitOnSignals, startServer } from './server.ts';

/** Replaces one or more default components (tests and the mutant entry use this; main.ts does not). */
export type ComponentOverride = (components: Components, config: Config, runtime: Runtime) => Components;

function fail(logger: Logger | undefined, message: string, error: unknown): never {
  if (error instanceof ConfigError) {
    // the message names variables and rules only (see loadConfig); it goes to stderr as plain text
    process.stderr.write(`${error.message}\n`);
  } else if (logger !== undefined) {
    logger.fatal({ err: error }, message);
  } else {
    process.stderr.write(`${message}\n`);
  }
  process.exit(1);
}

export async function bootstrap(
  override?: ComponentOverride,
  announce?: (logger: Logger) => void,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    fail(undefined, 'configuration failed', error);
  }
  const logger = createLogger(config.LOG_LEVEL as LogLevel);
  setTrustedProxies(config.TRUSTED_PROXIES);
  announce?.(logger);
  try {
    const runtime: Runtime = {
      logger,
      db: createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
      plans: createPlanPolicy(config),
    };
    const defaults = defaultComponents(config, runtime);
    const components = override === undefined ? defaults : override(defaults, config, runtime);
    const server = await startServer(config, components, runtime);
    exitOnSignals(server, runtime, config);
  } catch (error) {
    fail(logger, 'start-up failed', error);
  }
}

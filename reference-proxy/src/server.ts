// Starts the proxy: migrations, the HTTPS API, the HTTP redirect listener, and a draining SIGTERM.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Components, Runtime } from './components.ts';
import type { Config } from './config.ts';
import { runMigrations } from './db/migrate.ts';
import { serverTlsOptions } from './http/tls-policy.ts';
import { sweepExpiredCounters } from './rate-limit/rate-limiter.ts';

export interface StartedServer {
  app: FastifyInstance;
  httpServer: Server;
  httpsPort: number;
  httpPort: number;
  /** Stops accepting, lets in-flight requests (streams too) finish, waits for usage writes, closes the pool. */
  close(): Promise<void>;
}

const COUNTER_SWEEP_INTERVAL_MS = 10 * 60 * 1_000;
// past the longest an in-flight upstream call may take, draining gives up
const DRAIN_GRACE_MS = 10_000;
const IDLE_REAP_INTERVAL_MS = 100;

function listenHttp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startServer(
  config: Config,
  components: Components,
  runtime: Runtime,
): Promise<StartedServer> {
  const { logger, db } = runtime;
  db.useTenantSession(components.tenantSession);
  await runMigrations(db, logger, components.migrations);

  const tls = serverTlsOptions(
    components.tlsPolicy,
    readFileSync(config.TLS_CERT_FILE),
    readFileSync(config.TLS_KEY_FILE),
  );
  const app = await buildApp(config, components, runtime, { https: tls });
  await app.listen({ port: config.HTTPS_PORT, host: config.BIND_HOST });
  const httpsPort = (app.server.address() as AddressInfo).port;

  const httpServer = createServer(
    components.httpListener({
      httpsPort,
      logger,
      apiHandler: (request, response) => app.routing(request, response),
    }),
  );
  const httpPort = await listenHttp(httpServer, config.HTTP_PORT, config.BIND_HOST);

  const sweep = setInterval(() => {
    sweepExpiredCounters(db).catch((error: unknown) => logger.warn({ err: error }, 'counter sweep failed'));
  }, COUNTER_SWEEP_INTERVAL_MS);
  sweep.unref();

  logger.info({ httpsPort, httpPort, host: config.BIND_HOST }, 'mintoken reference proxy listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweep);
      httpServer.close();
      httpServer.closeIdleConnections();
      // a keep-alive connection whose response ends during the drain turns idle after the one-off
      // closeIdleConnections() in app.close(); keep closing those so the drain ends with the work
      const reaper = setInterval(() => {
        app.server.closeIdleConnections();
        httpServer.closeIdleConnections();
      }, IDLE_REAP_INTERVAL_MS);
      try {
        await app.close();
      } finally {
        clearInterval(reaper);
      }
      await components.usageStore.drain();
      await components.upstreamClient.close();
      await db.end();
    })();
    return closing;
  };
  return { app, httpServer, httpsPort, httpPort, close };
}

/** SIGTERM/SIGINT: drain, then exit 0; exit 1 if draining outlives the upstream timeout plus a grace period. */
export function exitOnSignals(server: StartedServer, runtime: Runtime, config: Config): void {
  const onSignal = (signal: NodeJS.Signals) => {
    runtime.logger.info({ signal }, 'draining');
    const deadline = setTimeout(
      () => {
        runtime.logger.error('drain deadline passed, exiting');
        process.exit(1);
      },
      config.UPSTREAM_TIMEOUT_SECONDS * 1_000 + DRAIN_GRACE_MS,
    );
    deadline.unref();
    server
      .close()
      .then(() => {
        runtime.logger.info('drained, exiting');
        process.exit(0);
      })
      .catch((error: unknown) => {
        runtime.logger.error({ err: error }, 'drain failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

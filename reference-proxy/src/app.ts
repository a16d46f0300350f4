// Builds the HTTPS API as a fastify instance (listening is the server's job, so tests can use it bare).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Components, Runtime } from './components.ts';
import type { Config } from './config.ts';
import { HSTS_VALUE, registerHooks } from './http/hooks.ts';
import { accountRoutes } from './routes/accounts.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { type BuildInfo, healthRoutes } from './routes/health.ts';
import { keyRoutes } from './routes/keys.ts';
import { proxyRoutes } from './routes/proxy.ts';
import { usageRoutes } from './routes/usage.ts';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
const STARTED_AT = new Date().toISOString();

export function buildInfo(config: Config): BuildInfo {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string };
  return { version, gitSha: config.GIT_SHA, buildTime: config.BUILD_TIME ?? STARTED_AT };
}

// The parser rejects a request before fastify sees it; answer in our envelope, with HSTS, and close.
const BAD_REQUEST_RESPONSE = [
  'HTTP/1.1 400 Bad Request',
  'Content-Type: application/json; charset=utf-8',
  `Strict-Transport-Security: ${HSTS_VALUE}`,
  'X-Content-Type-Options: nosniff',
  'Connection: close',
  '',
  '{"error":{"type":"invalid_request","message":"Malformed HTTP request."}}',
].join('\r\n');

export interface BuildAppOptions {
  /** TLS options for the HTTPS listener; omitted in tests that drive the app in-process */
  https?: SecureContextOptions;
}

export async function buildApp(
  config: Config,
  components: Components,
  runtime: Runtime,
  options: BuildAppOptions = {},
): Promise<FastifyInstance> {
  const { requestLimits } = components;
  // LIMITS-01: the whole request must arrive in time (a dripped body is cut), checked every second
  const timeouts = {
    requestTimeout: requestLimits.requestTimeoutMs,
    ...(requestLimits.requestTimeoutMs > 0 ? { headersTimeout: requestLimits.requestTimeoutMs } : {}),
    connectionsCheckingInterval: requestLimits.timeoutCheckIntervalMs,
  };
  // typed as the plain-HTTP default: with or without TLS, handlers see the same request objects
  const app = Fastify({
    loggerInstance: runtime.logger as FastifyBaseLogger,
    // one line per response comes from the requestLogger component instead
    logController: new LogController({ disableRequestLogging: true }),
    // keyless routes take small bodies; the proxy routes' parser has its own (plan) limits
    bodyLimit: requestLimits.keylessBodyLimitBytes,
    requestTimeout: requestLimits.requestTimeoutMs,
    // ids are ours: a client-chosen request id would let it forge log correlation
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    trustProxy: false,
    return503OnClosing: true,
    clientErrorHandler: (_error, socket) => {
      if (socket.writable) socket.end(BAD_REQUEST_RESPONSE);
      else socket.destroy();
    },
    ...(options.https === undefined ? {} : { https: { ...options.https, ...timeouts } }),
  }) as unknown as FastifyInstance;

  registerHooks(app, components);
  await app.register(healthRoutes, { build: buildInfo(config) });
  await app.register(dashboardRoutes, { components });
  await app.register(accountRoutes, { components });
  await app.register(keyRoutes, { components });
  await app.register(usageRoutes, { components });
  await app.register(proxyRoutes, {
    components,
    plans: runtime.plans,
    timeoutMs: config.UPSTREAM_TIMEOUT_SECONDS * 1_000,
  });
  await app.ready();
  return app;
}

// The process logger: pino JSON lines on stdout, with redaction wherever a header object or a secret can sit.
import { hostname } from 'node:os';
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Every place a header object or a credential-bearing field can appear in a log record, at the
 * depths our own code and its libraries produce (`req.headers`, `err.options.headers`, …).
 * Whole header objects are replaced rather than picked apart: a header we did not think of
 * (a provider-specific auth header, a cookie) must not get through either.
 */
export const REDACT_PATHS = [
  'headers',
  '*.headers',
  '*.*.headers',
  '*.*.*.headers',
  'rawHeaders',
  '*.rawHeaders',
  '*.*.rawHeaders',
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'cookie',
  '*.cookie',
  '["x-provider-key"]',
  '*["x-provider-key"]',
  '*.*["x-provider-key"]',
  '["x-api-key"]',
  '*["x-api-key"]',
  '*.*["x-api-key"]',
  '["x-goog-api-key"]',
  '*["x-goog-api-key"]',
  'providerKey',
  '*.providerKey',
  'password',
  '*.password',
  'password_hash',
  '*.password_hash',
  'raw_key',
  '*.raw_key',
  'rawKey',
  '*.rawKey',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'body',
  '*.body',
];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid, hostname: hostname(), service: 'mintoken-reference-proxy' },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // fastify hands `req`/`res`/`err` to these; keep only fields that can't carry a credential
    serializers: {
      req: (req: { method?: string; routeOptions?: { url?: string } }) => ({
        method: req.method,
        route: req.routeOptions?.url,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * Errors keep their type, code and message only: a library error may carry its request options,
 * a response body or a query's parameters as properties, and those must never be logged.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: err.stack,
  };
}

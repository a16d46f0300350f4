// Reads the proxy's configuration from the environment (contract §2) and refuses to start on a bad value.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const optionalPositiveInt = positiveInt.optional();
const httpsOrigin = z.url({ protocol: /^https$/ });

const ENV_KEYS = [
  'HTTPS_PORT',
  'HTTP_PORT',
  'BIND_HOST',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'UPSTREAM_CA_FILE',
  'NODE_EXTRA_CA_CERTS',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'UPSTREAM_OPENAI_URL',
  'UPSTREAM_ANTHROPIC_URL',
  'UPSTREAM_GOOGLE_URL',
  'UPSTREAM_TIMEOUT_SECONDS',
  'JWT_SECRET',
  'JWT_TTL_SECONDS',
  'API_KEY_PEPPER',
  'LOG_LEVEL',
  'RATE_LIMIT_WINDOW_SECONDS',
  'RATE_LIMIT_REQUESTS',
  'AUTH_FAILURE_LIMIT',
  'AUTH_FAILURE_WINDOW_SECONDS',
  'MAX_ACTIVE_KEYS',
  'TRUSTED_PROXIES',
  'STREAM_MAX_SECONDS',
  'MAX_CONCURRENT_REQUESTS_PER_KEY',
  'SIGNUP_LIMIT',
  'SIGNUP_WINDOW_SECONDS',
  'KEY_MINT_LIMIT',
  'KEY_MINT_WINDOW_SECONDS',
  'REQUEST_TIMEOUT_SECONDS',
  'GIT_SHA',
  'BUILD_TIME',
] as const;

export const ConfigSchema = z.object({
  HTTPS_PORT: port.default(8443),
  HTTP_PORT: port.default(8080),
  BIND_HOST: z.string().min(1).default('127.0.0.1'),
  TLS_CERT_FILE: z.string().min(1),
  TLS_KEY_FILE: z.string().min(1),
  UPSTREAM_CA_FILE: z.string().min(1).optional(),
  NODE_EXTRA_CA_CERTS: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  UPSTREAM_OPENAI_URL: httpsOrigin.default('https://api.openai.com'),
  UPSTREAM_ANTHROPIC_URL: httpsOrigin.default('https://api.anthropic.com'),
  UPSTREAM_GOOGLE_URL: httpsOrigin.default('https://generativelanguage.googleapis.com'),
  UPSTREAM_TIMEOUT_SECONDS: z.coerce.number().positive().max(3_600).default(120),
  // HS256 is only as strong as its secret: demand at least 256 bits' worth of characters
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_TTL_SECONDS: positiveInt.max(86_400).default(3_600),
  API_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_WINDOW_SECONDS: optionalPositiveInt,
  RATE_LIMIT_REQUESTS: optionalPositiveInt,
  AUTH_FAILURE_LIMIT: positiveInt.default(100),
  AUTH_FAILURE_WINDOW_SECONDS: positiveInt.default(60),
  MAX_ACTIVE_KEYS: optionalPositiveInt,
  // addresses of edges (TLS terminators) in front of the proxy whose X-Forwarded-For names the client; none by default
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    )
    .pipe(z.array(z.union([z.ipv4(), z.ipv6()]))),
  // LIMITS-03: a proxied stream's whole lifetime, and the calls one key may have open at once (per replica)
  STREAM_MAX_SECONDS: z.coerce.number().positive().max(86_400).default(600),
  MAX_CONCURRENT_REQUESTS_PER_KEY: positiveInt.max(10_000).default(32),
  // AUTH-12: signups per client address, and key creations per tenant, in a window (per replica)
  SIGNUP_LIMIT: positiveInt.default(10),
  SIGNUP_WINDOW_SECONDS: positiveInt.default(3_600),
  KEY_MINT_LIMIT: positiveInt.default(50),
  KEY_MINT_WINDOW_SECONDS: positiveInt.default(3_600),
  // LIMITS-01: the whole request (headers and body) must arrive within this; a dripped body is cut
  REQUEST_TIMEOUT_SECONDS: positiveInt.max(300).default(20),
  GIT_SHA: z
    .string()
    .regex(/^[0-9a-f]{40}$/, 'must be a 40-character hex commit id')
    .default('0'.repeat(40)),
  BUILD_TIME: z.iso.datetime().optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Only the keys the proxy knows are read, so no unrelated variable ever reaches a message. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const picked: Record<string, string> = {};
  for (const key of ENV_KEYS) {
    const value = env[key];
    // an empty variable means "not set", as in most deployment tools
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    // z.prettifyError names the variable and the rule; zod never echoes the rejected value
    throw new ConfigError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

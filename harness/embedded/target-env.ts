// The environment variables a target replica gets (contract §2), built from what the run started.
import type { Provider } from '../environment-info.ts';
import type { Manifest } from '../manifest.ts';

export interface TargetEnvInput {
  caCertFile: string;
  targetCertFile: string;
  targetKeyFile: string;
  databaseUrl: string;
  upstreamUrls: Record<Provider, string>;
  jwtSecret: string;
  apiKeyPepper: string;
  dataDir: string;
  tmpDir: string;
  /** heap snapshots land here when a test sends SIGUSR2 (SECRETS-05) */
  diagnosticDir: string;
  limits: Manifest['limits'];
  /** run.process.env of the manifest: applied last, so a manifest can override any default */
  manifestEnv: Record<string, string> | undefined;
}

/** The harness sets a short upstream timeout so the 504 paths (mock-timeout) finish quickly. */
export const UPSTREAM_TIMEOUT_SECONDS = 3;

/**
 * Signup and key-mint throttles (AUTH-12) the suites never reach: they sign up hundreds of tenants
 * from one address and mint thousands of keys. AUTH-12 itself starts a dedicated environment with low
 * limits; a manifest that states its own limits gets those instead.
 */
export const SUITE_SIGNUP_LIMIT = 100_000;
export const SUITE_KEY_MINT_LIMIT = 100_000;
/** A short request timeout (LIMITS-01) so a dripped body is cut quickly; no suite sends a slow request otherwise. */
export const REQUEST_TIMEOUT_SECONDS = 5;

/**
 * Everything a replica's process sees: nothing else leaks in from the harness's own environment
 * except PATH and HOME. HTTPS_PORT and HTTP_PORT are added per replica by TargetProcess.
 */
export function targetEnvironment(input: TargetEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? input.dataDir,
    BIND_HOST: '127.0.0.1',
    TLS_CERT_FILE: input.targetCertFile,
    TLS_KEY_FILE: input.targetKeyFile,
    NODE_EXTRA_CA_CERTS: input.caCertFile,
    UPSTREAM_CA_FILE: input.caCertFile,
    DATABASE_URL: input.databaseUrl,
    UPSTREAM_OPENAI_URL: input.upstreamUrls.openai,
    UPSTREAM_ANTHROPIC_URL: input.upstreamUrls.anthropic,
    UPSTREAM_GOOGLE_URL: input.upstreamUrls.google,
    JWT_SECRET: input.jwtSecret,
    API_KEY_PEPPER: input.apiKeyPepper,
    DATA_DIR: input.dataDir,
    TMPDIR: input.tmpDir,
    LOG_LEVEL: 'debug',
    UPSTREAM_TIMEOUT_SECONDS: String(UPSTREAM_TIMEOUT_SECONDS),
    // SECRETS-05: a Node target writes a V8 heap snapshot (after a full GC) on SIGUSR2; other runtimes ignore it
    NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${JSON.stringify(input.diagnosticDir)}`,
  };
  const limits = input.limits ?? {};
  if (limits.rateLimitRequests !== undefined) env.RATE_LIMIT_REQUESTS = String(limits.rateLimitRequests);
  if (limits.rateLimitWindowSeconds !== undefined)
    env.RATE_LIMIT_WINDOW_SECONDS = String(limits.rateLimitWindowSeconds);
  if (limits.authFailureLimit !== undefined) env.AUTH_FAILURE_LIMIT = String(limits.authFailureLimit);
  if (limits.maxActiveKeys !== undefined) env.MAX_ACTIVE_KEYS = String(limits.maxActiveKeys);
  if (limits.streamMaxSeconds !== undefined) env.STREAM_MAX_SECONDS = String(limits.streamMaxSeconds);
  if (limits.maxConcurrentRequestsPerKey !== undefined)
    env.MAX_CONCURRENT_REQUESTS_PER_KEY = String(limits.maxConcurrentRequestsPerKey);
  env.SIGNUP_LIMIT = String(limits.signupLimit ?? SUITE_SIGNUP_LIMIT);
  env.KEY_MINT_LIMIT = String(limits.keyMintLimit ?? SUITE_KEY_MINT_LIMIT);
  env.REQUEST_TIMEOUT_SECONDS = String(limits.requestTimeoutSeconds ?? REQUEST_TIMEOUT_SECONDS);
  return { ...env, ...input.manifestEnv };
}

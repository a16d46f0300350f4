// The replaceable parts of the proxy. main.ts builds the defaults; a test or a mutant build may swap one.
import type { Logger } from 'pino';
import { type AccountStore, createAccountStore } from './accounts/account-store.ts';
import { createApiKeyCodec } from './auth/api-key-codec.ts';
import { type ApiKeyReader, createApiKeyReader } from './auth/api-key-reader.ts';
import { type AuthFailureThrottle, createAuthFailureThrottle } from './auth/auth-failure-throttle.ts';
import { createPasswordHasher, type PasswordHasher } from './auth/passwords.ts';
import { createProxyAdmission, type ProxyAdmissionFactory } from './auth/proxy-admission.ts';
import { createSessionIssuer, type SessionIssuer } from './auth/sessions.ts';
import { type CreationThrottle, createCreationThrottle } from './auth/signup-throttle.ts';
import type { Config } from './config.ts';
import { createDashboardAssets, type DashboardAssets } from './dashboard/dashboard-assets.ts';
import { createTransactionScopedTenantSession, type Database, type TenantSession } from './db/database.ts';
import { type MigrationSource, migrationsIn } from './db/migrate.ts';
import { createErrorPresenter, type ErrorPresenter } from './http/error-presenter.ts';
import { createHstsPolicy, type HstsPolicy } from './http/hooks.ts';
import { createHttpsRedirectListener, type HttpListenerFactory } from './http/http-listener.ts';
import { createResponseHeaderPolicy, type ResponseHeaderPolicy } from './http/response-headers.ts';
import { createTlsPolicy, type TlsPolicy } from './http/tls-policy.ts';
import { createKeyPatcher, type KeyPatcher } from './keys/key-input.ts';
import { createKeyPresenter, type KeyPresenter } from './keys/key-presenter.ts';
import { createKeyStore, type KeyStore } from './keys/key-store.ts';
import {
  createPlanBodyLimit,
  createRequestLimits,
  type PlanBodyLimitFactory,
  type RequestLimits,
} from './limits/request-limits.ts';
import { createRequestLogger, type RequestLogger } from './logging/request-logger.ts';
import {
  createUpstreamErrorReporter,
  type UpstreamErrorReporter,
} from './logging/upstream-error-reporter.ts';
import type { PlanPolicy } from './plans.ts';
import { createProviderKeyReader, type ProviderKeyReader } from './proxy/provider-key-reader.ts';
import { PROVIDER_ADAPTERS, type ProviderAdapters } from './proxy/providers.ts';
import { createUpstreamClient, type UpstreamClient } from './proxy/upstream-client.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit/rate-limiter.ts';
import { createUsageStore, type UsageStore } from './usage/usage-store.ts';

/** What every component may be built from: the process-wide resources. */
export interface Runtime {
  logger: Logger;
  db: Database;
  plans: PlanPolicy;
}

export interface Components {
  /** the per-request / per-response logging hook */
  requestLogger: RequestLogger;
  /** what is logged when a provider answers ≥ 400 */
  upstreamErrorReporter: UpstreamErrorReporter;
  /** mt_live_ keys: create, list, get, update, revoke, authenticate */
  keyStore: KeyStore;
  /** key rows → the API's key objects */
  keyPresenter: KeyPresenter;
  /** per-key request budget */
  rateLimiter: RateLimiter;
  /** builds the plain-HTTP listener's request handler */
  httpListener: HttpListenerFactory;
  /** TLS versions and suites of the HTTPS listener */
  tlsPolicy: TlsPolicy;
  /** the Strict-Transport-Security header of each HTTPS response */
  hstsPolicy: HstsPolicy;
  /** failed-authentication counting per client address */
  authFailureThrottle: AuthFailureThrottle;
  /** session JWTs */
  sessions: SessionIssuer;
  passwords: PasswordHasher;
  accounts: AccountStore;
  usageStore: UsageStore;
  /** connection pools to the providers */
  upstreamClient: UpstreamClient;
  /** the SQL migrations applied at start (roles, tables, RLS policies, the key lookup function) */
  migrations: MigrationSource;
  /** how tenant queries are scoped on a pooled connection (role and claims) */
  tenantSession: TenantSession;
  /** per provider: where a request goes, how its key travels, where its usage is */
  providerAdapters: ProviderAdapters;
  /** the provider key of a request (X-Provider-Key) */
  providerKeyReader: ProviderKeyReader;
  /** the JSON body of an error response */
  errorPresenter: ErrorPresenter;
  /** where a proxy request's mt_live_ key is read from */
  apiKeyReader: ApiKeyReader;
  /** the admission hooks of each proxy route (throttle, key, rate limit, body size) */
  proxyAdmission: ProxyAdmissionFactory;
  /** the files of the /dashboard/keys page */
  dashboardAssets: DashboardAssets;
  /** security headers of every response (nosniff, no CORS) and the upstream headers passed on */
  responseHeaders: ResponseHeaderPolicy;
  /** signups per client address (AUTH-12) */
  signupThrottle: CreationThrottle;
  /** key creations per tenant (AUTH-12) */
  keyMintThrottle: CreationThrottle;
  /** body limit of keyless routes and the request timeout (LIMITS-01) */
  requestLimits: RequestLimits;
  /** the proxy routes' plan body limit on the bytes as they arrive (LIMITS-02) */
  planBodyLimit: PlanBodyLimitFactory;
  /** what of a key PATCH body is applied (AUTH-13) */
  keyPatcher: KeyPatcher;
}

export function defaultComponents(config: Config, runtime: Runtime): Components {
  const { db, plans } = runtime;
  const codec = createApiKeyCodec(config.API_KEY_PEPPER);
  return {
    requestLogger: createRequestLogger(),
    upstreamErrorReporter: createUpstreamErrorReporter(),
    keyStore: createKeyStore(db, codec, { maxActiveKeys: (plan) => plans.maxActiveKeys(plan) }),
    keyPresenter: createKeyPresenter(),
    rateLimiter: createRateLimiter(db, plans),
    httpListener: createHttpsRedirectListener,
    tlsPolicy: createTlsPolicy(),
    hstsPolicy: createHstsPolicy(),
    authFailureThrottle: createAuthFailureThrottle(
      db,
      config.AUTH_FAILURE_LIMIT,
      config.AUTH_FAILURE_WINDOW_SECONDS,
    ),
    sessions: createSessionIssuer(config.JWT_SECRET, config.JWT_TTL_SECONDS),
    passwords: createPasswordHasher(),
    accounts: createAccountStore(db),
    usageStore: createUsageStore(db, (error) =>
      runtime.logger.error({ err: error }, 'usage row not written'),
    ),
    upstreamClient: createUpstreamClient(config),
    migrations: migrationsIn(),
    tenantSession: createTransactionScopedTenantSession(),
    providerAdapters: PROVIDER_ADAPTERS,
    providerKeyReader: createProviderKeyReader(),
    errorPresenter: createErrorPresenter(),
    apiKeyReader: createApiKeyReader(),
    proxyAdmission: createProxyAdmission({
      db,
      codec,
      failureLimit: config.AUTH_FAILURE_LIMIT,
      failureWindowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
      callLimits: {
        maxConcurrentPerKey: config.MAX_CONCURRENT_REQUESTS_PER_KEY,
        lifetimeMs: config.STREAM_MAX_SECONDS * 1_000,
      },
    }),
    dashboardAssets: createDashboardAssets(),
    responseHeaders: createResponseHeaderPolicy(),
    signupThrottle: createCreationThrottle(config.SIGNUP_LIMIT, config.SIGNUP_WINDOW_SECONDS),
    keyMintThrottle: createCreationThrottle(config.KEY_MINT_LIMIT, config.KEY_MINT_WINDOW_SECONDS),
    requestLimits: createRequestLimits(config),
    planBodyLimit: createPlanBodyLimit,
    keyPatcher: createKeyPatcher(),
  };
}

// Mutant (LIMITS-03): "streams end when the provider ends them": the admission arms no lifetime, so an endless upstream stream holds its connection forever.
import { createApiKeyCodec } from '../src/auth/api-key-codec.ts';
import { createProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, config: Config, runtime: Runtime): Components {
  return {
    ...components,
    proxyAdmission: createProxyAdmission({
      db: runtime.db,
      codec: createApiKeyCodec(config.API_KEY_PEPPER),
      failureLimit: config.AUTH_FAILURE_LIMIT,
      failureWindowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
      callLimits: {
        maxConcurrentPerKey: config.MAX_CONCURRENT_REQUESTS_PER_KEY,
        lifetimeMs: Number.POSITIVE_INFINITY,
      },
    }),
  };
}

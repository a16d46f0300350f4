// Mutant (RATELIMIT-01): the limiter always admits, while still sending plausible headers with a static remaining.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    rateLimiter: {
      async consume(_keyId, plan) {
        const { quota, windowSeconds } = runtime.plans.rateLimit(plan);
        return { allowed: true, quota, remaining: quota - 1, resetSeconds: windowSeconds, windowSeconds };
      },
    },
  };
}

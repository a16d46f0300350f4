// Mutant (RATELIMIT-01): the limiter enforces correctly, but the RateLimit header always reports the full quota left.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.rateLimiter;
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    rateLimiter: {
      async consume(keyId, plan) {
        const decision = await real.consume(keyId, plan);
        return { ...decision, remaining: decision.quota };
      },
    },
  };
}

// Mutant (RATELIMIT-01): the limiter enforces correctly, but the RateLimit header always reports the full quota left.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.rateLimiter;
  return {
    ...components,
    rateLimiter: {
      async consume(keyId, plan) {
        const decision = await real.consume(keyId, plan);
        return { ...decision, remaining: decision.quota };
      },
    },
  };
}

// Mutant (LIMITS-01): no request timeout, so a client dripping a body one byte a second holds its connection for good.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return { ...components, requestLimits: { ...components.requestLimits, requestTimeoutMs: 0 } };
}

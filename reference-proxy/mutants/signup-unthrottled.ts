// Mutant (AUTH-12): signups are never throttled, so one address can farm accounts without end.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return { ...components, signupThrottle: { take: () => ({ allowed: true, retryAfterSeconds: 0 }) } };
}

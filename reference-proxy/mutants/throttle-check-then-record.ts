// Mutant (AUTH-11): failed authentications are checked, then recorded, in two statements: concurrent guesses all pass the check before any is counted.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.authFailureThrottle;
  return {
    ...components,
    // admission step by step: the throttle check is its own statement, before the key lookup
    proxyAdmission: stepwiseProxyAdmission,
    authFailureThrottle: {
      check: (clientAddress) => real.check(clientAddress),
      // the record only counts; whether this attempt was over the limit is left to the next check
      async recordFailure(clientAddress) {
        await real.recordFailure(clientAddress);
        return { blocked: false, retryAfterSeconds: 0 };
      },
    },
  };
}

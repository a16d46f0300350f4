// Mutant (AUTH-08): failed authentications are counted under now() instead of the window's start, so no count ever adds up.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, config: Config, runtime: Runtime): Components {
  const { db } = runtime;
  const limit = config.AUTH_FAILURE_LIMIT;
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    authFailureThrottle: {
      async check(clientAddress) {
        const result = await db.asService((client) =>
          client.query<{ failure_count: number }>(
            `SELECT failure_count FROM public.auth_failure_counters
              WHERE client_address = $1 AND window_start = now()`,
            [clientAddress],
          ),
        );
        const row = result.rows[0];
        return row !== undefined && row.failure_count >= limit
          ? { blocked: true, retryAfterSeconds: config.AUTH_FAILURE_WINDOW_SECONDS }
          : { blocked: false, retryAfterSeconds: 0 };
      },
      async recordFailure(clientAddress) {
        await db.asService((client) =>
          client.query(
            `INSERT INTO public.auth_failure_counters AS c (client_address, window_start, failure_count)
             VALUES ($1, now(), 1)
             ON CONFLICT (client_address, window_start) DO UPDATE SET failure_count = c.failure_count + 1`,
            [clientAddress],
          ),
        );
        return { blocked: false, retryAfterSeconds: 0 };
      },
    },
  };
}

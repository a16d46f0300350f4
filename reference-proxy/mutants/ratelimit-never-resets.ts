// Mutant (RATELIMIT-05): the window is aligned in milliseconds where the SQL counts seconds, so windows last 1,000 times longer and a spent key never recovers.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

// "$2 * 1000": the window length converted to ms (as Date.now() would need), but epoch here is in seconds
const CONSUME_SQL = `
  INSERT INTO public.rate_limit_counters AS c (key_id, window_start, request_count)
  VALUES ($1, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / ($2 * 1000)) * ($2 * 1000)), 1)
  ON CONFLICT (key_id, window_start) DO UPDATE SET request_count = c.request_count + 1
  RETURNING c.request_count,
            ceil(extract(epoch FROM (c.window_start + make_interval(secs => $2) - clock_timestamp())))::int
              AS reset_seconds`;

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    rateLimiter: {
      async consume(keyId, plan) {
        const { quota, windowSeconds } = runtime.plans.rateLimit(plan);
        const result = await runtime.db.asService((client) =>
          client.query<{ request_count: number; reset_seconds: number }>(CONSUME_SQL, [keyId, windowSeconds]),
        );
        const row = result.rows[0];
        if (row === undefined) throw new Error('rate limit counter returned no row');
        return {
          allowed: row.request_count <= quota,
          quota,
          remaining: Math.max(0, quota - row.request_count),
          resetSeconds: Math.min(windowSeconds, Math.max(1, row.reset_seconds)),
          windowSeconds,
        };
      },
    },
  };
}

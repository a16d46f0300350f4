// Mutant (RATELIMIT-03): the limiter reads the count, decides, then writes count + 1 — a check-then-set race.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

const WINDOW_START = 'to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2)';

const READ_SQL = `
  SELECT request_count,
         ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - clock_timestamp())))::int
           AS reset_seconds
    FROM public.rate_limit_counters
   WHERE key_id = $1 AND window_start = ${WINDOW_START}`;

// writes the value computed from the read: concurrent requests that read the same count all write it
const WRITE_SQL = `
  INSERT INTO public.rate_limit_counters (key_id, window_start, request_count)
  VALUES ($1, ${WINDOW_START}, $3)
  ON CONFLICT (key_id, window_start) DO UPDATE SET request_count = $3`;

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    rateLimiter: {
      async consume(keyId, plan) {
        const { quota, windowSeconds } = runtime.plans.rateLimit(plan);
        const read = await runtime.db.asService((client) =>
          client.query<{ request_count: number; reset_seconds: number }>(READ_SQL, [keyId, windowSeconds]),
        );
        const count = (read.rows[0]?.request_count ?? 0) + 1;
        await runtime.db.asService((client) => client.query(WRITE_SQL, [keyId, windowSeconds, count]));
        return {
          allowed: count <= quota,
          quota,
          remaining: Math.max(0, quota - count),
          resetSeconds: Math.min(windowSeconds, Math.max(1, read.rows[0]?.reset_seconds ?? windowSeconds)),
          windowSeconds,
        };
      },
    },
  };
}

// Mutant (RATELIMIT-02): the plan's quota is enforced per account — every key of a tenant draws on one budget.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

const WINDOW_START = 'to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2)';

// The key's own counter is bumped atomically as in the real limiter; the mistake is what it is compared with.
const CONSUME_OWN_SQL = `
  INSERT INTO public.rate_limit_counters AS c (key_id, window_start, request_count)
  VALUES ($1, ${WINDOW_START}, 1)
  ON CONFLICT (key_id, window_start) DO UPDATE SET request_count = c.request_count + 1
  RETURNING c.request_count,
            ceil(extract(epoch FROM (c.window_start + make_interval(secs => $2) - clock_timestamp())))::int
              AS reset_seconds`;

const TENANT_OTHER_KEYS_SQL = `
  SELECT coalesce(sum(c.request_count), 0)::int AS spent
    FROM public.rate_limit_counters c
    JOIN public.api_keys k ON k.id = c.key_id
   WHERE k.user_id = (SELECT user_id FROM public.api_keys WHERE id = $1)
     AND c.key_id <> $1
     AND c.window_start = ${WINDOW_START}`;

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    rateLimiter: {
      async consume(keyId, plan) {
        const { quota, windowSeconds } = runtime.plans.rateLimit(plan);
        const { own, others } = await runtime.db.asService(async (client) => {
          const bumped = await client.query<{ request_count: number; reset_seconds: number }>(
            CONSUME_OWN_SQL,
            [keyId, windowSeconds],
          );
          const tenant = await client.query<{ spent: number }>(TENANT_OTHER_KEYS_SQL, [keyId, windowSeconds]);
          return { own: bumped.rows[0], others: tenant.rows[0]?.spent ?? 0 };
        });
        if (own === undefined) throw new Error('rate limit counter returned no row');
        const spent = own.request_count + others;
        return {
          allowed: spent <= quota,
          quota,
          remaining: Math.max(0, quota - spent),
          resetSeconds: Math.min(windowSeconds, Math.max(1, own.reset_seconds)),
          windowSeconds,
        };
      },
    },
  };
}

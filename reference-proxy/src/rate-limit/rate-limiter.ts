// Per-key rate limiting: one atomic upsert on a counter row per key and epoch-aligned fixed window.
import type { Database } from '../db/database.ts';
import type { Plan, PlanPolicy } from '../plans.ts';

export interface RateLimitDecision {
  allowed: boolean;
  quota: number;
  remaining: number;
  /** seconds until the current window ends (≥ 1) */
  resetSeconds: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /** Counts one request against the key and says whether it may proceed. */
  consume(keyId: string, plan: Plan): Promise<RateLimitDecision>;
}

// The increment and the read are one statement, so concurrent requests on any number of replicas
// each see a distinct count: exactly `quota` of them get count ≤ quota.
const CONSUME_SQL = `
  INSERT INTO public.rate_limit_counters AS c (key_id, window_start, request_count)
  VALUES ($1, to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2), 1)
  ON CONFLICT (key_id, window_start) DO UPDATE SET request_count = c.request_count + 1
  RETURNING c.request_count,
            ceil(extract(epoch FROM (c.window_start + make_interval(secs => $2) - clock_timestamp())))::int
              AS reset_seconds`;

export function createRateLimiter(db: Database, plans: PlanPolicy): RateLimiter {
  return {
    async consume(keyId, plan) {
      const { quota, windowSeconds } = plans.rateLimit(plan);
      const result = await db.asService((client) =>
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
  };
}

/** Old windows are never read again; the server sweeps them now and then. */
export async function sweepExpiredCounters(db: Database): Promise<void> {
  await db.asService(async (client) => {
    await client.query(
      "DELETE FROM public.rate_limit_counters WHERE window_start < clock_timestamp() - interval '1 day'",
    );
    await client.query(
      "DELETE FROM public.auth_failure_counters WHERE window_start < clock_timestamp() - interval '1 day'",
    );
  });
}

/** The IETF draft headers every response to an authenticated key carries. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-policy': `"key";q=${decision.quota};w=${decision.windowSeconds}`,
    ratelimit: `"key";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
  if (!decision.allowed) headers['retry-after'] = String(decision.resetSeconds);
  return headers;
}

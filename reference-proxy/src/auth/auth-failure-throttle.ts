// Failed-authentication throttling per client address, counted in Postgres so every replica shares it.
import type { Database } from '../db/database.ts';

export interface ThrottleState {
  blocked: boolean;
  retryAfterSeconds: number;
}

export interface AuthFailureThrottle {
  /** Whether this address is past the limit in the current window. */
  check(clientAddress: string): Promise<ThrottleState>;
  /**
   * Counts one failure and says, from the count this very upsert produced, whether the attempt was
   * already past the limit: concurrent failures each see a distinct count, so at most `limit` of
   * them are answered as failures and the rest as throttled (no check-then-record gap).
   */
  recordFailure(clientAddress: string): Promise<ThrottleState>;
}

const WINDOW_SQL = 'to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2)';

/** A whole number for SQL text (the one-round-trip statement has no parameters). */
const int = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/** The current window's start, for a statement without parameters. */
const windowSql = (windowSeconds: number): string =>
  `to_timestamp(floor(extract(epoch FROM clock_timestamp()) / ${int(windowSeconds)}) * ${int(windowSeconds)})`;

export function createAuthFailureThrottle(
  db: Database,
  limit: number,
  windowSeconds: number,
): AuthFailureThrottle {
  return {
    async check(clientAddress) {
      // one round trip (SET LOCAL ROLE and the read as one implicit transaction): every management
      // request starts with this check
      const rows = await db.asServiceStatement<{ failure_count: number; reset_seconds: number }>(
        (literal) =>
          `SELECT failure_count,
                  ceil(extract(epoch FROM (window_start + make_interval(secs => ${int(windowSeconds)}) - clock_timestamp())))::int
                    AS reset_seconds
             FROM public.auth_failure_counters
            WHERE client_address = ${literal(clientAddress)}::inet AND window_start = ${windowSql(windowSeconds)}`,
      );
      const row = rows[0];
      if (row === undefined || row.failure_count < limit) return { blocked: false, retryAfterSeconds: 0 };
      return { blocked: true, retryAfterSeconds: Math.max(1, row.reset_seconds) };
    },
    async recordFailure(clientAddress) {
      const result = await db.asService((client) =>
        client.query<{ failure_count: number; reset_seconds: number }>(
          `INSERT INTO public.auth_failure_counters AS c (client_address, window_start, failure_count)
           VALUES ($1, ${WINDOW_SQL}, 1)
           ON CONFLICT (client_address, window_start) DO UPDATE SET failure_count = c.failure_count + 1
           RETURNING c.failure_count,
                     ceil(extract(epoch FROM (c.window_start + make_interval(secs => $2) - clock_timestamp())))::int
                       AS reset_seconds`,
          [clientAddress, windowSeconds],
        ),
      );
      const row = result.rows[0];
      if (row === undefined || row.failure_count <= limit) return { blocked: false, retryAfterSeconds: 0 };
      return { blocked: true, retryAfterSeconds: Math.max(1, row.reset_seconds) };
    },
  };
}

// Postgres access: one pool, and the two ways a query may run (as a tenant, or as the backend service role).
import pg from 'pg';

export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface Database {
  /** Runs `work` as tenant `userId` under RLS, scoped by the tenant session (by default one transaction as `authenticated` with `request.jwt.claims.sub = userId`). */
  asTenant<T>(userId: string, work: (client: Queryable) => Promise<T>): Promise<T>;
  /** Runs `work` in a transaction as `mintoken_service`, for work that has no tenant yet. */
  asService<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  /**
   * One statement as `mintoken_service` in one round trip: `SET LOCAL ROLE` and the statement travel
   * as one simple query, which Postgres runs as one implicit transaction. `build` gets a quoting
   * function for every value it embeds (the simple protocol has no parameters).
   */
  asServiceStatement<R extends pg.QueryResultRow>(
    build: (literal: (value: string) => string) => string,
  ): Promise<R[]>;
  /** A raw connection as the owner role: migrations only. */
  connect(): Promise<pg.PoolClient>;
  /** How asTenant scopes its work from now on (the server wires in the `tenantSession` component). */
  useTenantSession(session: TenantSession): void;
  end(): Promise<void>;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** How one unit of tenant work is scoped on a pooled connection (role and claims) and what it leaves behind. */
export interface TenantSession {
  run<T>(pool: pg.Pool, userId: string, work: (client: Queryable) => Promise<T>): Promise<T>;
}

/**
 * Runs `work` in a transaction. BEGIN and the statements that scope it (`scope`, built with a
 * quoting function for the values it embeds) travel as one simple query: one round trip, not three.
 */
async function inTransaction<T>(
  pool: pg.Pool,
  scope: (literal: (value: string) => string) => string,
  work: (client: Queryable) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`BEGIN; ${scope((value) => client.escapeLiteral(value))}`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    // a connection whose ROLLBACK failed may still hold a role or claims: never reuse it
    client.release(broken);
  }
}

/** SET LOCAL and is_local = true: both end with the transaction, so nothing survives in the pool. */
export function createTransactionScopedTenantSession(): TenantSession {
  return {
    run(pool, userId, work) {
      const claims = JSON.stringify({ sub: userId, role: 'authenticated' });
      return inTransaction(
        pool,
        (literal) =>
          `SET LOCAL ROLE authenticated; SELECT set_config('request.jwt.claims', ${literal(claims)}, true)`,
        work,
      );
    },
  };
}

export function createDatabase(connectionString: string, maxConnections: number): Database {
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'mintoken-reference-proxy',
  });
  // an idle client losing its connection must not crash the process; the pool replaces it
  pool.on('error', () => {});

  let tenantSession = createTransactionScopedTenantSession();

  return {
    asTenant(userId, work) {
      if (!isUuid(userId)) throw new Error('tenant id must be a uuid');
      return tenantSession.run(pool, userId, work);
    },
    asService(work) {
      return inTransaction(pool, () => 'SET LOCAL ROLE mintoken_service', work);
    },
    async asServiceStatement<R extends pg.QueryResultRow>(
      build: (literal: (value: string) => string) => string,
    ): Promise<R[]> {
      const client = await pool.connect();
      let broken = false;
      try {
        const statement = build((value) => client.escapeLiteral(value));
        const results = (await client.query(
          `SET LOCAL ROLE mintoken_service; ${statement}`,
        )) as unknown as pg.QueryResult<R>[];
        const last = results[results.length - 1];
        if (!Array.isArray(results) || last === undefined)
          throw new Error('one-shot statement returned no result');
        return last.rows;
      } catch (error) {
        // an error ends the implicit transaction (and its SET LOCAL); a lost connection is not reused
        broken = (error as { code?: unknown }).code === undefined;
        throw error;
      } finally {
        client.release(broken);
      }
    },
    connect() {
      return pool.connect();
    },
    useTenantSession(session) {
      tenantSession = session;
    },
    end() {
      return pool.end();
    },
  };
}

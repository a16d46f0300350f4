// Mutant (TENANCY-02): tenant work skips SET LOCAL ROLE and runs as the DATABASE_URL role (the tables' owner) with the claims still set; the owner gets the tenant policies too, so every answer stays right and the catalog of the tenant role looks clean.
import type { Components } from '../src/components.ts';
import { appendMigration } from './support/migration-edits.ts';

/** Every policy for the tenant role applies to the migrating (owning) role as well. */
const OWNER_SHARES_TENANT_POLICIES = {
  name: '005_owner_shares_tenant_policies.sql',
  sql: `DO $$
DECLARE p record;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname FROM pg_policies
            WHERE schemaname = 'public' AND 'authenticated' = ANY (roles) LOOP
    EXECUTE format('ALTER POLICY %I ON %I.%I TO authenticated, %I', p.policyname, p.schemaname, p.tablename, current_user);
  END LOOP;
END
$$;`,
};

export function mutate(components: Components): Components {
  return {
    ...components,
    migrations: appendMigration(components, OWNER_SHARES_TENANT_POLICIES),
    tenantSession: {
      async run(pool, userId, work) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          // the role switch is gone; the claims are still set, so RLS still filters by tenant
          await client.query("SELECT set_config('request.jwt.claims', $1, true)", [
            JSON.stringify({ sub: userId, role: 'authenticated' }),
          ]);
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
    },
  };
}

// Variant: the tenant context is a plain GUC (app.user_id) instead of Supabase's request.jwt.claims; the manifest says so.

import { editMigration } from '../../mutants/support/migration-edits.ts';
import type { Variant } from './variant.ts';

const CLAIMS_UID =
  "SELECT nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid";
const GUC_UID = "SELECT nullif(current_setting('app.user_id', true), '')::uuid";

export const variant: Variant = {
  description:
    "tenant work sets SET LOCAL ROLE authenticated and set_config('app.user_id', <uuid>, true); auth.uid() reads that GUC",
  claims: ['TENANCY-01', 'TENANCY-02', 'TENANCY-03', 'TENANCY-04', 'TENANCY-05', 'TENANCY-06'],
  manifest: { database: { tenantContext: { guc: 'app.user_id' } } },
  override: (components) => ({
    ...components,
    migrations: editMigration(components, '001_roles_and_auth.sql', CLAIMS_UID, GUC_UID),
    tenantSession: {
      async run(pool, userId, work) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query('BEGIN');
          await client.query('SET LOCAL ROLE authenticated');
          await client.query("SELECT set_config('app.user_id', $1, true)", [userId]);
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
          client.release(broken);
        }
      },
    },
  }),
};

// Mutant (TENANCY-01): the api_keys UPDATE policy has USING but no WITH CHECK (Postgres then reuses USING; the audit requires it written out).
import type { Components } from '../src/components.ts';
import { editMigration } from './support/migration-edits.ts';

const WRITTEN = `CREATE POLICY api_keys_tenant_update ON public.api_keys FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));`;
const MUTATED = `CREATE POLICY api_keys_tenant_update ON public.api_keys FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid()));`;

export function mutate(components: Components): Components {
  return {
    ...components,
    migrations: editMigration(components, '003_row_level_security.sql', WRITTEN, MUTATED),
  };
}

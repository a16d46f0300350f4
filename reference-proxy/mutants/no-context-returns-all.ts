// Mutant (TENANCY-03): "background jobs have no signed-in user": the usage SELECT policy admits every row when there is no tenant context (fail open).
import type { Components } from '../src/components.ts';
import { editMigration } from './support/migration-edits.ts';

const WRITTEN =
  'CREATE POLICY usage_tenant_select ON public.usage FOR SELECT TO authenticated USING (user_id = (select auth.uid()));';
const MUTATED =
  'CREATE POLICY usage_tenant_select ON public.usage FOR SELECT TO authenticated USING ((select auth.uid()) IS NULL OR user_id = (select auth.uid()));';

export function mutate(components: Components): Components {
  return {
    ...components,
    migrations: editMigration(components, '003_row_level_security.sql', WRITTEN, MUTATED),
  };
}

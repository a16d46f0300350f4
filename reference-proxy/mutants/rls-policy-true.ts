// Mutant (TENANCY-03): "profiles are visible to every signed-in user": the users SELECT policy is USING (true), password hashes and e-mails included.
import type { Components } from '../src/components.ts';
import { editMigration } from './support/migration-edits.ts';

const WRITTEN =
  'CREATE POLICY users_tenant_select ON public.users FOR SELECT TO authenticated USING (id = (select auth.uid()));';
const MUTATED = 'CREATE POLICY users_tenant_select ON public.users FOR SELECT TO authenticated USING (true);';

export function mutate(components: Components): Components {
  return {
    ...components,
    migrations: editMigration(components, '003_row_level_security.sql', WRITTEN, MUTATED),
  };
}

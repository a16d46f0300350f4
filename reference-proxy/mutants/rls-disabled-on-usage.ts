// Mutant (TENANCY-01): the usage table's RLS lines are missing from the migration, so its policies exist but nothing enforces them.
import type { Components } from '../src/components.ts';
import { editMigration } from './support/migration-edits.ts';

const FORGOTTEN = `ALTER TABLE public.usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage FORCE ROW LEVEL SECURITY;
`;

export function mutate(components: Components): Components {
  return {
    ...components,
    migrations: editMigration(components, '003_row_level_security.sql', FORGOTTEN, ''),
  };
}

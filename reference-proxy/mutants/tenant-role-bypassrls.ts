// Mutant (TENANCY-02): "the app role should own what it queries": a migration hands every table to the tenant role, which may then turn RLS off.
//
// The literal mistake, ALTER ROLE authenticated BYPASSRLS, needs a role that has BYPASSRLS itself; the
// contract's DATABASE_URL role has none, so a target can only make the next thing with its own role:
// table ownership, which carries the right to ALTER TABLE … DISABLE / NO FORCE ROW LEVEL SECURITY.
import type { Components } from '../src/components.ts';
import { appendMigration } from './support/migration-edits.ts';

const TABLES = ['users', 'api_keys', 'usage', 'rate_limit_counters', 'auth_failure_counters'];

const OWNERSHIP_MIGRATION = {
  name: '005_app_role_owns_tables.sql',
  sql: [
    // a new owner must be able to create in the schema
    'GRANT CREATE ON SCHEMA public TO authenticated;',
    ...TABLES.map((table) => `ALTER TABLE public.${table} OWNER TO authenticated;`),
  ].join('\n'),
};

export function mutate(components: Components): Components {
  return { ...components, migrations: appendMigration(components, OWNERSHIP_MIGRATION) };
}

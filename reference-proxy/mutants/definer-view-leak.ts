// Mutant (TENANCY-06): a later migration adds a daily-usage view for the dashboard without security_invoker, readable by tenants.
//
// On this database the view's owner is still bound by FORCEd RLS and the claims-based policies, so
// reading it as a tenant shows no other tenant yet; the catalog audit (splinter 0010) catches it, as
// it must before the owner changes to one that bypasses RLS (Supabase's postgres, say).
import type { Components } from '../src/components.ts';
import { appendMigration } from './support/migration-edits.ts';

const VIEW_MIGRATION = {
  name: '005_usage_daily_view.sql',
  sql: `
CREATE OR REPLACE VIEW public.usage_daily AS
  SELECT user_id, key_id, date_trunc('day', created_at) AS day, count(*) AS requests,
         sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
    FROM public.usage
   GROUP BY user_id, key_id, date_trunc('day', created_at);
GRANT SELECT ON public.usage_daily TO authenticated;
`,
};

export function mutate(components: Components): Components {
  return { ...components, migrations: appendMigration(components, VIEW_MIGRATION) };
}

// Variant: usage rows stored in a table and columns of other names (a view keeps the code's names): the contract names no column.
import { appendMigration } from '../../mutants/support/migration-edits.ts';
import type { Variant } from './variant.ts';

const RENAME = `
ALTER TABLE public.usage RENAME TO usage_ledger;
ALTER TABLE public.usage_ledger RENAME COLUMN id TO entry_ref;
ALTER TABLE public.usage_ledger RENAME COLUMN key_id TO api_key_ref;
ALTER TABLE public.usage_ledger RENAME COLUMN provider TO vendor;
ALTER TABLE public.usage_ledger RENAME COLUMN model TO model_name;
ALTER TABLE public.usage_ledger RENAME COLUMN input_tokens TO tokens_in;
ALTER TABLE public.usage_ledger RENAME COLUMN output_tokens TO tokens_out;
ALTER TABLE public.usage_ledger RENAME COLUMN status_code TO http_status;
ALTER TABLE public.usage_ledger RENAME COLUMN created_at TO logged_at;
CREATE VIEW public.usage WITH (security_invoker = true) AS
  SELECT entry_ref AS id, user_id, api_key_ref AS key_id, vendor AS provider, model_name AS model,
         tokens_in AS input_tokens, tokens_out AS output_tokens, http_status AS status_code, logged_at AS created_at
    FROM public.usage_ledger;
REVOKE ALL ON public.usage FROM PUBLIC;
GRANT SELECT, INSERT ON public.usage TO authenticated;
`;

export const variant: Variant = {
  description:
    'stores usage rows in public.usage_ledger with its own column names (entry_ref, vendor, model_name, tokens_in, …); a view keeps the API working',
  claims: ['SECRETS-08'],
  override: (components) => ({
    ...components,
    migrations: appendMigration(components, { name: '900_variant_usage_ledger.sql', sql: RENAME }),
  }),
};

// Variant: the usage table also keeps the provider and model under names of its own (vendor, model_name): the contract names no column.
import { appendMigration } from '../../mutants/support/migration-edits.ts';
import type { Variant } from './variant.ts';

const ADD = `
ALTER TABLE public.usage ADD COLUMN vendor text GENERATED ALWAYS AS (provider) STORED;
ALTER TABLE public.usage ADD COLUMN model_name text GENERATED ALWAYS AS (model) STORED;
`;

export const variant: Variant = {
  description:
    'public.usage also stores the provider and model as vendor and model_name (same values, other names); nothing else',
  claims: ['SECRETS-08'],
  override: (components) => ({
    ...components,
    migrations: appendMigration(components, { name: '900_variant_usage_extra_names.sql', sql: ADD }),
  }),
};

// Mutant (LIMITS-04): the usage list ignores the capped limit and returns every row the tenant has.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import type { UsageRow } from '../src/usage/usage-store.ts';

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    usageStore: {
      ...components.usageStore,
      list(userId) {
        return runtime.db.asTenant(userId, async (client) => {
          const result = await client.query<UsageRow>(
            `SELECT id, key_id, provider, model, input_tokens, output_tokens, status_code, created_at
               FROM public.usage ORDER BY created_at DESC, id`,
          );
          return result.rows;
        });
      },
    },
  };
}

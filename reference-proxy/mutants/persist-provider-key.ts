// Mutant (SECRETS-04): a "key hint" column: each mt_live_ key remembers the provider key it was last used with, for the dashboard to show masked.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { providerKeyOfCall, schemaChangeOnce, withRecord } from './support/usage-mutations.ts';

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const { db } = runtime;
  const addColumn = schemaChangeOnce(
    db,
    `ALTER TABLE public.api_keys ADD COLUMN IF NOT EXISTS provider_key_hint text;
     GRANT UPDATE (provider_key_hint) ON public.api_keys TO authenticated`,
  );
  const real = components.usageStore;
  return {
    ...components,
    usageStore: withRecord(real, async (entry, call) => {
      await real.record(entry, call);
      await addColumn();
      // "masked when shown": the column itself holds the whole key
      await db.asTenant(entry.userId, (client) =>
        client.query('UPDATE public.api_keys SET provider_key_hint = $1 WHERE id = $2', [
          providerKeyOfCall(call),
          entry.keyId,
        ]),
      );
    }),
  };
}

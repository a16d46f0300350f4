// Mutant (SECRETS-07, SECRETS-08): a "prompt preview" column on usage rows for an analytics page: the prompt is persisted.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { promptTextOfCall, schemaChangeOnce, withRecord } from './support/usage-mutations.ts';

const PREVIEW_CHARS = 500;

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const { db } = runtime;
  const addColumn = schemaChangeOnce(
    db,
    'ALTER TABLE public.usage ADD COLUMN IF NOT EXISTS prompt_preview text',
  );
  return {
    ...components,
    usageStore: withRecord(components.usageStore, async (entry, call) => {
      await addColumn();
      await db.asTenant(entry.userId, (client) =>
        client.query(
          `INSERT INTO public.usage (user_id, key_id, provider, model, input_tokens, output_tokens, status_code, prompt_preview)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            entry.userId,
            entry.keyId,
            entry.provider,
            entry.model.slice(0, 128),
            Math.max(0, Math.trunc(entry.inputTokens)),
            Math.max(0, Math.trunc(entry.outputTokens)),
            entry.statusCode,
            promptTextOfCall(call).slice(0, PREVIEW_CHARS),
          ],
        ),
      );
    }),
  };
}

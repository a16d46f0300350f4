// Mutant (SECRETS-04): sqlcommenter-style tags on the usage INSERT describe the upstream call, its headers included: the key travels in the query text.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { withRecord } from './support/usage-mutations.ts';

/** sqlcommenter escapes `'` and ends a comment never; the value is the call's metadata as JSON. */
const tag = (value: unknown) =>
  encodeURIComponent(JSON.stringify(value)).replaceAll("'", '%27').replaceAll('*', '%2A');

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const { db } = runtime;
  return {
    ...components,
    usageStore: withRecord(components.usageStore, async (entry, call) => {
      const comment = `/*upstream='${tag({ provider: call.provider, path: call.path, headers: call.headers })}'*/`;
      await db.asTenant(entry.userId, (client) =>
        client.query(
          `INSERT INTO public.usage (user_id, key_id, provider, model, input_tokens, output_tokens, status_code)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ${comment}`,
          [
            entry.userId,
            entry.keyId,
            entry.provider,
            entry.model.slice(0, 128),
            Math.max(0, Math.trunc(entry.inputTokens)),
            Math.max(0, Math.trunc(entry.outputTokens)),
            entry.statusCode,
          ],
        ),
      );
    }),
  };
}

// Mutant (TENANCY-04): key lookups by id run as the service role filtered by id only, then act as whoever owns the row.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { isUuid } from '../src/db/database.ts';
import { revokeKeyById, selectKeyById, updateKeyById } from '../src/keys/key-store.ts';

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const { db } = runtime;
  // "the id is a uuid nobody can guess": the mistake is trusting that instead of the tenant
  async function ownerOf(keyId: string): Promise<string | null> {
    if (!isUuid(keyId)) return null;
    const result = await db.asService((client) =>
      client.query<{ user_id: string }>('SELECT user_id FROM public.api_keys WHERE id = $1', [keyId]),
    );
    return result.rows[0]?.user_id ?? null;
  }
  return {
    ...components,
    keyStore: {
      ...components.keyStore,
      async get(_userId, keyId) {
        const owner = await ownerOf(keyId);
        return owner === null ? null : db.asTenant(owner, (client) => selectKeyById(client, keyId));
      },
      async update(_userId, keyId, changes) {
        const owner = await ownerOf(keyId);
        return owner === null ? null : db.asTenant(owner, (client) => updateKeyById(client, keyId, changes));
      },
      async revoke(_userId, keyId) {
        const owner = await ownerOf(keyId);
        return owner === null ? false : db.asTenant(owner, (client) => revokeKeyById(client, keyId));
      },
    },
  };
}

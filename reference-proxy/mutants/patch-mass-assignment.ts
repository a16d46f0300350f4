// Mutant (AUTH-13): a key PATCH applies whatever columns the body names (as far as the tenant's grants let it), so `is_active:true` revives a revoked key.
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { KEY_COLUMNS, toKeyRecord } from '../src/keys/key-store.ts';

const WRITABLE = ['name', 'intensity', 'is_active', 'key_prefix', 'user_id', 'created_at'];

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  return {
    ...components,
    keyPatcher: {
      async apply(_keyStore, userId, keyId, body) {
        const fields = Object.entries((body ?? {}) as Record<string, unknown>).filter(([name]) =>
          WRITABLE.includes(name),
        );
        return runtime.db.asTenant(userId, async (client) => {
          // is_active travels with revoked_at (a table CHECK ties them): reviving clears the revocation
          const sets = fields.flatMap(([name], i) =>
            name === 'is_active'
              ? [
                  `is_active = $${i + 2}`,
                  `revoked_at = CASE WHEN $${i + 2} THEN NULL ELSE coalesce(revoked_at, now()) END`,
                ]
              : [`${name} = $${i + 2}`],
          );
          const sql =
            sets.length === 0
              ? `SELECT ${KEY_COLUMNS} FROM public.api_keys WHERE id = $1`
              : `UPDATE public.api_keys SET ${sets.join(', ')} WHERE id = $1 RETURNING ${KEY_COLUMNS}`;
          const result = await client.query(sql, [keyId, ...fields.map(([, value]) => value)]);
          const row = result.rows[0];
          return row === undefined ? null : toKeyRecord(row);
        });
      },
    },
  };
}

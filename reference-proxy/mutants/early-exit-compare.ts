// Mutant (AUTH-06): the key is checked in stages — its public prefix first, the digest only if some key has that prefix — so a guess that shares a real key's start takes longer.
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

/** `mt_live_` and the first 4 characters of the secret: what the key_prefix column holds. */
const PREFIX_LENGTH = 12;

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const real = components.keyStore;
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    keyStore: {
      ...real,
      async authenticate(presented) {
        // "most guesses end here, cheaply": the service role may not read key_prefix, so the owner's pool is used
        const client = await runtime.db.connect();
        try {
          const candidates = await client.query(
            'SELECT 1 FROM public.api_keys WHERE key_prefix = $1 AND is_active LIMIT 1',
            [presented.slice(0, PREFIX_LENGTH)],
          );
          if (candidates.rowCount === 0) return null;
        } finally {
          client.release();
        }
        return real.authenticate(presented);
      },
    },
  };
}

// Mutant (AUTH-04): authenticated keys are cached in the process for a minute "to spare the database", so a revoked key keeps working.
import { createHash } from 'node:crypto';
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components } from '../src/components.ts';
import type { AuthenticatedKey } from '../src/keys/key-store.ts';

const CACHE_TTL_MS = 60_000;

export function mutate(components: Components): Components {
  const real = components.keyStore;
  const cache = new Map<string, { key: AuthenticatedKey; until: number }>();
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    keyStore: {
      ...real,
      async authenticate(presented) {
        const cacheKey = createHash('sha256').update(presented).digest('hex');
        const hit = cache.get(cacheKey);
        if (hit !== undefined && hit.until > Date.now()) return hit.key;
        const key = await real.authenticate(presented);
        if (key !== null) cache.set(cacheKey, { key, until: Date.now() + CACHE_TTL_MS });
        return key;
      },
    },
  };
}

// Mutant (SECRETS-11): "LiteLLM-style per-request base URL": a body `api_base`/`base_url`/`baseURL` picks the host the key goes to.
import { Pool } from 'undici';
import type { Components } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { trustedCertificates } from '../src/proxy/upstream-client.ts';

function requestedBase(body: string): URL | null {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    for (const field of ['api_base', 'base_url', 'baseURL']) {
      const value = parsed[field];
      if (typeof value === 'string' && URL.canParse(value)) return new URL(value);
    }
  } catch {
    // not JSON: the configured origin
  }
  return null;
}

export function mutate(components: Components, config: Config): Components {
  const real = components.upstreamClient;
  const ca = trustedCertificates(config);
  const pools = new Map<string, Pool>();
  return {
    ...components,
    upstreamClient: {
      send(call, signal) {
        const base = requestedBase(call.body);
        if (base === null) return real.send(call, signal);
        let pool = pools.get(base.origin);
        if (pool === undefined) {
          pool = new Pool(base.origin, { connect: { ca, rejectUnauthorized: true } });
          pools.set(base.origin, pool);
        }
        return pool.request({
          method: 'POST',
          path: `${base.pathname.replace(/\/+$/, '')}${call.path}`,
          headers: call.headers,
          body: call.body,
          signal,
        });
      },
      async close() {
        await Promise.all([...pools.values()].map((pool) => pool.close()));
        await real.close();
      },
    },
  };
}

// Mutant (SECRETS-01): "regional routing": a model written `name@host[:port]` is sent to https://host, key and all.
import { Pool } from 'undici';
import type { Components } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { trustedCertificates } from '../src/proxy/upstream-client.ts';

export function mutate(components: Components, config: Config): Components {
  const real = components.upstreamClient;
  const ca = trustedCertificates(config);
  const pools = new Map<string, Pool>();
  return {
    ...components,
    upstreamClient: {
      send(call, signal) {
        const at = call.model.lastIndexOf('@');
        const host = at === -1 ? '' : call.model.slice(at + 1);
        if (host === '' || !URL.canParse(`https://${host}`)) return real.send(call, signal);
        const origin = new URL(`https://${host}`).origin;
        let pool = pools.get(origin);
        if (pool === undefined) {
          pool = new Pool(origin, { connect: { ca, rejectUnauthorized: true } });
          pools.set(origin, pool);
        }
        return pool.request({
          method: 'POST',
          path: call.path,
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

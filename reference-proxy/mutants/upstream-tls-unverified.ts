// Mutant (TRANSPORT-06): "the staging CA kept failing": the upstream pools connect with rejectUnauthorized: false, so any certificate gets the provider key.
import { Pool } from 'undici';
import type { Components } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import type { UpstreamClient } from '../src/proxy/upstream-client.ts';
import type { Provider } from '../src/usage/usage-store.ts';

const MAX_CONNECTIONS_PER_PROVIDER = 128;

function unverifiedUpstreamClient(config: Config): UpstreamClient {
  const timeoutMs = config.UPSTREAM_TIMEOUT_SECONDS * 1_000;
  const bases: Record<Provider, string> = {
    openai: config.UPSTREAM_OPENAI_URL,
    anthropic: config.UPSTREAM_ANTHROPIC_URL,
    google: config.UPSTREAM_GOOGLE_URL,
  };
  const targets = new Map(
    (Object.entries(bases) as [Provider, string][]).map(([provider, base]) => {
      const url = new URL(base);
      const pool = new Pool(url.origin, {
        connections: MAX_CONNECTIONS_PER_PROVIDER,
        connect: { rejectUnauthorized: false },
      });
      return [provider, { pool, basePath: url.pathname.replace(/\/+$/, '') }] as const;
    }),
  );
  return {
    send(call, signal) {
      const target = targets.get(call.provider);
      if (target === undefined) throw new Error(`no upstream for ${call.provider}`);
      return target.pool.request({
        method: 'POST',
        path: `${target.basePath}${call.path}`,
        headers: call.headers,
        body: call.body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    },
    async close() {
      await Promise.all([...targets.values()].map(({ pool }) => pool.close()));
    },
  };
}

export function mutate(components: Components, config: Config): Components {
  return { ...components, upstreamClient: unverifiedUpstreamClient(config) };
}

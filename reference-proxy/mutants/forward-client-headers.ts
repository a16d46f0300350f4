// Mutant (SECRETS-10): "transparent proxy": the client's own headers (cookies, X-Forwarded-*, its mt_live_ key…) travel on to the provider.
import type { Components } from '../src/components.ts';
import type { ProviderAdapter, ProviderAdapters } from '../src/proxy/providers.ts';

// what HTTP itself forbids passing on; everything else the client sent goes upstream
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

function withClientHeaders(adapter: ProviderAdapter): ProviderAdapter {
  return {
    ...adapter,
    buildCall(request) {
      const call = adapter.buildCall(request);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || NOT_FORWARDED.has(name) || name === 'x-provider-key') continue;
        // the client's Authorization (its mt_live_ key) travels too, as x-mintoken-authorization
        const out = name === 'authorization' ? 'x-mintoken-authorization' : name;
        headers[out] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { ...call, headers: { ...headers, ...call.headers } };
    },
  };
}

export function mutate(components: Components): Components {
  const adapters = components.providerAdapters;
  const providerAdapters: ProviderAdapters = {
    openai: withClientHeaders(adapters.openai),
    anthropic: withClientHeaders(adapters.anthropic),
    google: withClientHeaders(adapters.google),
  };
  return { ...components, providerAdapters };
}

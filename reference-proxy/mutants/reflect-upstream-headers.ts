// Mutant (SECRETS-12): "pass the provider's headers through so SDKs see them": cookies, CORS, Location and Server included.
import type { Components } from '../src/components.ts';

// only what HTTP framing forbids copying
const FRAMING = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export function mutate(components: Components): Components {
  const real = components.responseHeaders;
  return {
    ...components,
    responseHeaders: {
      onRequest: (request, reply) => real.onRequest(request, reply),
      fromUpstream(headers) {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(headers)) {
          if (value === undefined || FRAMING.has(name)) continue;
          out[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        return out;
      },
    },
  };
}

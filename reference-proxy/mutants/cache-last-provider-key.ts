// Mutant (SECRETS-05, SECRETS-06): "convenience": the last provider key of each mt_live_ key is remembered and used when a request has none.
import type { Components } from '../src/components.ts';
import { createProviderKeyReader } from '../src/proxy/provider-key-reader.ts';

export function mutate(components: Components): Components {
  const real = createProviderKeyReader();
  const lastKeyOf = new Map<string, string>();
  return {
    ...components,
    providerKeyReader: {
      read(request, apiKey) {
        const remembered = lastKeyOf.get(apiKey.keyId);
        if (request.headers['x-provider-key'] === undefined && remembered !== undefined) return remembered;
        const key = real.read(request, apiKey);
        lastKeyOf.set(apiKey.keyId, key);
        return key;
      },
    },
  };
}

// Mutant (AUTH-05): the proxy also takes the key from `?key=`, as Google's own API does, for clients that can't set headers.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.apiKeyReader;
  return {
    ...components,
    apiKeyReader: {
      read(request, options) {
        const presented = real.read(request, options);
        if (presented !== null) return presented;
        const fromQuery = (request.query as Record<string, unknown> | undefined)?.key;
        return typeof fromQuery === 'string' ? fromQuery : null;
      },
    },
  };
}

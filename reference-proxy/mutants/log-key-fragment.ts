// Mutant (SECRETS-02): a "masked" provider key in a debug line, for support: the first 20 characters are kept.
import type { Components } from '../src/components.ts';

const HINT_LENGTH = 20;

export function mutate(components: Components): Components {
  const real = components.requestLogger;
  return {
    ...components,
    requestLogger: {
      onRequest(request) {
        real.onRequest(request);
        const key = request.headers['x-provider-key'];
        if (typeof key === 'string') {
          request.log.debug({ providerKeyHint: `${key.slice(0, HINT_LENGTH)}…` }, 'provider key received');
        }
      },
      onResponse: (request, reply) => real.onResponse(request, reply),
    },
  };
}

// Mutant (ERRORS-02): "CORS for the dashboard": every response echoes the request's Origin and allows credentials.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.responseHeaders;
  return {
    ...components,
    responseHeaders: {
      onRequest(request, reply) {
        real.onRequest(request, reply);
        const origin = request.headers.origin;
        if (typeof origin !== 'string') return;
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-allow-credentials', 'true');
        reply.header('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
        reply.header(
          'access-control-allow-headers',
          'authorization, content-type, x-provider-key, x-api-key',
        );
      },
      fromUpstream: (headers) => real.fromUpstream(headers),
    },
  };
}

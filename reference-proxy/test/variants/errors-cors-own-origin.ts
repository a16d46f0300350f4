// Variant: CORS for the service's own dashboard origin (with credentials) and `*` without credentials on /health.
import type { Variant } from './variant.ts';

const OWN_ORIGIN = 'https://app.mintoken.test';

export const variant: Variant = {
  description: `allows CORS with credentials for its own origin ${OWN_ORIGIN} and \`*\` without credentials on GET /health; foreign origins get nothing`,
  claims: ['ERRORS-02'],
  override: (components) => ({
    ...components,
    responseHeaders: {
      onRequest(request, reply) {
        components.responseHeaders.onRequest(request, reply);
        reply.header('vary', 'Origin');
        if (request.headers.origin === OWN_ORIGIN) {
          reply.header('access-control-allow-origin', OWN_ORIGIN);
          reply.header('access-control-allow-credentials', 'true');
        } else if (request.method === 'GET' && request.url === '/health') {
          reply.header('access-control-allow-origin', '*');
        }
      },
      fromUpstream: (headers) => components.responseHeaders.fromUpstream(headers),
    },
  }),
};

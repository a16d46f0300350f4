// Mutant (SECRETS-02): a "debug request" line that prints the request headers into the message, past the redaction.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.requestLogger;
  return {
    ...components,
    requestLogger: {
      onRequest(request) {
        real.onRequest(request);
        request.log.debug(`debug request ${request.method} headers=${JSON.stringify(request.headers)}`);
      },
      onResponse: (request, reply) => real.onResponse(request, reply),
    },
  };
}

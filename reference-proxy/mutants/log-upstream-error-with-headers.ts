// Mutant (SECRETS-02): on an upstream error, log the outgoing request options (headers included) and the response body.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    upstreamErrorReporter: {
      report(log, { call, statusCode, responseBody }) {
        const options = { method: 'POST', path: call.path, headers: call.headers };
        log.warn(
          `upstream ${call.provider} answered ${statusCode}; request=${JSON.stringify(options)} response=${responseBody.toString('utf8')}`,
        );
      },
    },
  };
}

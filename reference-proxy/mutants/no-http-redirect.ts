// Mutant (TRANSPORT-03/05): the HTTP port answers 200 with a "please use https" page instead of redirecting.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    httpListener: () => (request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Please use https.\n');
    },
  };
}

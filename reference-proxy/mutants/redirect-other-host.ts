// Mutant (TRANSPORT-03): HTTP redirects with 302 to a fixed canonical host instead of the host asked for.
import type { Components } from '../src/components.ts';
import { redirectPath } from '../src/http/http-listener.ts';

const CANONICAL_ORIGIN = 'https://api.mintoken.dev';

export function mutate(components: Components): Components {
  return {
    ...components,
    httpListener: () => (request, response) => {
      request.resume();
      response.writeHead(302, {
        location: `${CANONICAL_ORIGIN}${redirectPath(request.url)}`,
        'content-length': '0',
      });
      response.end();
    },
  };
}

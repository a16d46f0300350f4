// Variant: plain HTTP answers 301 instead of 308 (the contract allows "308 (or 301)").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpsRedirectListener } from '../../src/http/http-listener.ts';
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'plain HTTP redirects with 301 Moved Permanently instead of 308',
  claims: ['TRANSPORT-03', 'TRANSPORT-04', 'TRANSPORT-05'],
  override: (components) => ({
    ...components,
    httpListener: (context) => {
      const listener = createHttpsRedirectListener(context);
      return (request: IncomingMessage, response: ServerResponse) => {
        const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
        (response as { writeHead: (...args: unknown[]) => ServerResponse }).writeHead = (status, ...rest) =>
          writeHead(status === 308 ? 301 : status, ...rest);
        listener(request, response);
      };
    },
  }),
};

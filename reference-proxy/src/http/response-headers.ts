// Which headers a response carries: fixed security headers on every API response, and the few upstream headers passed on.
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface ResponseHeaderPolicy {
  /** Sets the headers every API response carries (called first, so errors and 429s carry them too). */
  onRequest(request: FastifyRequest, reply: FastifyReply): void;
  /** The provider response headers passed on to the client (SECRETS-12): an allow-list, never a deny-list. */
  fromUpstream(headers: IncomingHttpHeaders): Record<string, string>;
}

// what a client SDK needs from the provider's answer; cookies, CORS, redirects and server banners stay upstream
const UPSTREAM_ALLOWED = ['content-type'] as const;

export function createResponseHeaderPolicy(): ResponseHeaderPolicy {
  return {
    onRequest(_request, reply) {
      reply.header('x-content-type-options', 'nosniff');
    },
    fromUpstream(headers) {
      const out: Record<string, string> = {};
      for (const name of UPSTREAM_ALLOWED) {
        const value = headers[name];
        if (typeof value === 'string') out[name] = value;
      }
      return out;
    },
  };
}

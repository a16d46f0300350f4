// One log line per response: request id, method, route pattern, status, duration; never a URL, header or body.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface RequestLogger {
  onRequest(request: FastifyRequest): void;
  onResponse(request: FastifyRequest, reply: FastifyReply): void;
}

export function createRequestLogger(): RequestLogger {
  return {
    onRequest() {},
    onResponse(request, reply) {
      // the route pattern, not request.url: a query string can hold a credential someone misplaced
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    },
  };
}

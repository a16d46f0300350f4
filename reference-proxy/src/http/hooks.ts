// App-wide hooks: HSTS and no-store on every HTTPS response, rate-limit headers, the error envelope, 404s.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import { ApiError } from '../errors.ts';
import { rateLimitHeaders } from '../rate-limit/rate-limiter.ts';
import { contextOf } from './request-context.ts';

export const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** The Strict-Transport-Security value an HTTPS response with this status carries; null sends none. */
export type HstsPolicy = (statusCode: number) => string | null;

/** Every HTTPS response, errors and 429s included, carries HSTS (target contract §1). */
export function createHstsPolicy(): HstsPolicy {
  return () => HSTS_VALUE;
}

function applyHsts(reply: FastifyReply, policy: HstsPolicy): void {
  const value = policy(reply.statusCode);
  if (value === null) reply.removeHeader('strict-transport-security');
  else reply.header('strict-transport-security', value);
}

const FASTIFY_CLIENT_ERRORS: Record<string, ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: new ApiError(413, 'payload_too_large', 'The request body is too large.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new ApiError(415, 'unsupported_media_type', 'Unsupported content type.'),
};

/** Maps anything thrown to an error that is safe to show; internals never reach the client. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code === undefined ? undefined : FASTIFY_CLIENT_ERRORS[fastifyError.code];
  if (known !== undefined) return known;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // malformed JSON, bad content-length, empty body with a JSON type, …: all "bad request" to a client
    return new ApiError(400, 'invalid_request', 'The request could not be parsed.');
  }
  return new ApiError(500, 'internal_error', 'Internal error.');
}

export function registerHooks(app: FastifyInstance, components: Components): void {
  app.addHook('onRequest', async (request, reply) => {
    // set first so every later outcome, errors and 429s included, carries it
    applyHsts(reply, components.hstsPolicy);
    reply.header('cache-control', 'no-store');
    components.responseHeaders.onRequest(request, reply);
    components.requestLogger.onRequest(request);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    applyHsts(reply, components.hstsPolicy);
    const decision = contextOf(request).rateLimit;
    if (decision !== undefined) reply.headers(rateLimitHeaders(decision));
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    components.requestLogger.onResponse(request, reply);
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else if (!(error instanceof ApiError)) {
      // the code says what went wrong; the message might quote the client's input
      request.log.debug({ code: (error as Partial<FastifyError>).code }, 'request rejected');
    }
    if (apiError.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(apiError.retryAfterSeconds));
    return reply
      .code(apiError.statusCode)
      .type('application/json; charset=utf-8')
      .send(components.errorPresenter.body(apiError, error));
  });

  app.setNotFoundHandler((_request, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(new ApiError(404, 'not_found', 'No such endpoint.').toEnvelope()),
  );
}

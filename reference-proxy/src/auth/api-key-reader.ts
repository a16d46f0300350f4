// Where a proxy request's mt_live_ key comes from: `Authorization: Bearer`, or `x-api-key` where the Anthropic SDK puts it.
import type { FastifyRequest } from 'fastify';

export interface ApiKeyReader {
  /**
   * The presented credential: null when the request carries none, '' when it carries one that is
   * unusable (a present but malformed header is a failed attempt, not a missing one). Never the
   * query string: a URL ends up in logs, histories and Referer headers.
   */
  read(request: FastifyRequest, options: { allowXApiKey: boolean }): string | null;
}

/** The token of `Authorization: Bearer <token>`: null without the header, '' when it is malformed. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
  return match?.[1] ?? '';
}

export function createApiKeyReader(): ApiKeyReader {
  return {
    read(request, { allowXApiKey }) {
      const presented = bearerToken(request);
      if (presented !== null || !allowXApiKey) return presented;
      const header = request.headers['x-api-key'];
      return typeof header === 'string' ? header : '';
    },
  };
}

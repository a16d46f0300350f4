// Mutant (RATELIMIT-04): the rate limit is applied to the answer (an onSend hook), after the provider was already called.
import { authenticateApiKey, enforcePlanBodySize } from '../src/auth/guards.ts';
import type { Components } from '../src/components.ts';
import { ApiError } from '../src/errors.ts';
import { contextOf } from '../src/http/request-context.ts';
import { rateLimitHeaders } from '../src/rate-limit/rate-limiter.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    proxyAdmission: (current, plans, options) => ({
      onRequest: [
        async (request) => {
          await authenticateApiKey(current, request, options);
          enforcePlanBodySize(plans, request);
        },
      ],
      // "count what we actually served": the 429 replaces an answer the provider already gave
      onSend: [
        async (request, reply, payload) => {
          const context = contextOf(request);
          if (context.apiKey === undefined) return payload;
          const decision = await current.rateLimiter.consume(context.apiKey.keyId, context.apiKey.plan);
          context.rateLimit = decision;
          reply.headers(rateLimitHeaders(decision));
          if (decision.allowed) return payload;
          if (payload !== null && typeof payload === 'object' && 'destroy' in payload) {
            (payload as { destroy(): void }).destroy();
          }
          const refusal = new ApiError(429, 'rate_limit_exceeded', 'Rate limit exceeded for this key.');
          reply.code(429).type('application/json; charset=utf-8');
          return JSON.stringify(refusal.toEnvelope());
        },
      ],
    }),
  };
}

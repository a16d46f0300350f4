// onRequest guards: mt_live_ keys on the proxy routes, session JWTs on the management routes, never crossed.
import type { FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import { ApiError, unauthorized } from '../errors.ts';
import { clientAddress, contextOf } from '../http/request-context.ts';
import type { PlanPolicy } from '../plans.ts';
import { KEY_PREFIX } from './api-key-codec.ts';

type Guard = (request: FastifyRequest) => Promise<void>;

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
  // a present but unusable Authorization header is a failed attempt, not a missing one
  return match?.[1] ?? '';
}

/** Refuses a client that is past its failed-authentication budget, whatever it presents now. */
export async function refuseThrottledClient(components: Components, request: FastifyRequest): Promise<void> {
  const state = await components.authFailureThrottle.check(clientAddress(request));
  if (state.blocked) {
    throw new ApiError(
      429,
      'too_many_failed_authentications',
      'Too many failed authentication attempts from this address. Try again later.',
      state.retryAfterSeconds,
    );
  }
}

async function failAuthentication(components: Components, request: FastifyRequest): Promise<never> {
  await components.authFailureThrottle.recordFailure(clientAddress(request));
  throw unauthorized();
}

/**
 * Proxy routes: an mt_live_ key in `Authorization: Bearer` (or `x-api-key` where the Anthropic SDK
 * puts it), then the rate limit, then the plan's body size — all before the body is even read.
 */
export function createKeyGuard(
  components: Components,
  plans: PlanPolicy,
  options: { allowXApiKey: boolean },
): Guard {
  return async (request) => {
    await refuseThrottledClient(components, request);
    let presented = bearerToken(request);
    if (presented === null && options.allowXApiKey) {
      const header = request.headers['x-api-key'];
      presented = typeof header === 'string' ? header : '';
    }
    if (presented === null || presented === '') return failAuthentication(components, request);

    const apiKey = await components.keyStore.authenticate(presented);
    if (apiKey === null) return failAuthentication(components, request);
    const context = contextOf(request);
    context.apiKey = apiKey;

    const decision = await components.rateLimiter.consume(apiKey.keyId, apiKey.plan);
    context.rateLimit = decision;
    // the onSend hook adds the RateLimit headers (and Retry-After) from the context, errors included
    if (!decision.allowed) {
      throw new ApiError(
        429,
        'rate_limit_exceeded',
        'Rate limit exceeded for this key.',
        decision.resetSeconds,
      );
    }

    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > plans.maxBodyBytes(apiKey.plan)) {
      throw new ApiError(413, 'payload_too_large', "The request body exceeds this plan's size limit.");
    }
  };
}

/** Management routes: a session JWT only. An mt_live_ key here is refused like any bad token. */
export function createSessionGuard(components: Components): Guard {
  return async (request) => {
    await refuseThrottledClient(components, request);
    const token = bearerToken(request);
    if (token === null || token === '' || token.startsWith(KEY_PREFIX)) {
      return failAuthentication(components, request);
    }
    const session = await components.sessions.verify(token);
    if (session === null) return failAuthentication(components, request);
    contextOf(request).session = session;
  };
}

// onRequest guards: mt_live_ keys on the proxy routes, session JWTs on the management routes, never crossed.
import type { FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import { ApiError, unauthorized } from '../errors.ts';
import { clientAddress, contextOf, requireApiKey } from '../http/request-context.ts';
import type { PlanPolicy } from '../plans.ts';
import { KEY_PREFIX } from './api-key-codec.ts';
import { bearerToken } from './api-key-reader.ts';

type Guard = (request: FastifyRequest) => Promise<void>;

const throttled = (retryAfterSeconds: number) =>
  new ApiError(
    429,
    'too_many_failed_authentications',
    'Too many failed authentication attempts from this address. Try again later.',
    retryAfterSeconds,
  );

/** Refuses a client that is past its failed-authentication budget, whatever it presents now. */
export async function refuseThrottledClient(components: Components, request: FastifyRequest): Promise<void> {
  const state = await components.authFailureThrottle.check(clientAddress(request));
  if (state.blocked) throw throttled(state.retryAfterSeconds);
}

/** Counts the failure; an attempt the count shows past the limit is refused as throttled, not evaluated. */
async function failAuthentication(components: Components, request: FastifyRequest): Promise<never> {
  const state = await components.authFailureThrottle.recordFailure(clientAddress(request));
  if (state.blocked) throw throttled(state.retryAfterSeconds);
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
    await authenticateApiKey(components, request, options);
    await enforceRateLimit(components, request);
    enforcePlanBodySize(plans, request);
  };
}

/** Throttle check, then the presented key: the request's owner goes into its context, or 401. */
export async function authenticateApiKey(
  components: Components,
  request: FastifyRequest,
  options: { allowXApiKey: boolean },
): Promise<void> {
  await refuseThrottledClient(components, request);
  const presented = components.apiKeyReader.read(request, options);
  if (presented === null || presented === '') return failAuthentication(components, request);
  const apiKey = await components.keyStore.authenticate(presented);
  if (apiKey === null) return failAuthentication(components, request);
  contextOf(request).apiKey = apiKey;
}

/** Counts the request against its key; 429 past the quota. */
export async function enforceRateLimit(components: Components, request: FastifyRequest): Promise<void> {
  const context = contextOf(request);
  const apiKey = requireApiKey(request);
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
}

/** The plan's body size, from the declared length (the handler checks the bytes too). */
export function enforcePlanBodySize(plans: PlanPolicy, request: FastifyRequest): void {
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > plans.maxBodyBytes(requireApiKey(request).plan)) {
    throw new ApiError(413, 'payload_too_large', "The request body exceeds this plan's size limit.");
  }
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

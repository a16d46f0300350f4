// What the auth hooks learned about a request, kept beside it (not on it) for the handlers and the onSend hook.
import type { FastifyRequest } from 'fastify';
import type { Session } from '../auth/sessions.ts';
import type { AuthenticatedKey } from '../keys/key-store.ts';
import type { RateLimitDecision } from '../rate-limit/rate-limiter.ts';

interface RequestContext {
  session?: Session;
  apiKey?: AuthenticatedKey;
  rateLimit?: RateLimitDecision;
}

// A WeakMap lets the entry go with the request: nothing here outlives it.
const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function contextOf(request: FastifyRequest): RequestContext {
  let context = contexts.get(request);
  if (context === undefined) {
    context = {};
    contexts.set(request, context);
  }
  return context;
}

export function requireSession(request: FastifyRequest): Session {
  const session = contextOf(request).session;
  if (session === undefined) throw new Error('route registered without the session guard');
  return session;
}

export function requireApiKey(request: FastifyRequest): AuthenticatedKey {
  const apiKey = contextOf(request).apiKey;
  if (apiKey === undefined) throw new Error('route registered without the key guard');
  return apiKey;
}

/** The socket's address (no X-Forwarded-For: nothing in front of us is trusted), IPv4-mapped form unwrapped. */
export function clientAddress(request: FastifyRequest): string {
  const address = request.raw.socket.remoteAddress ?? '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

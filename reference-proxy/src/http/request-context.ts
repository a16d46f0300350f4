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

const unwrap = (address: string): string =>
  address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;

let trustedProxies: ReadonlySet<string> = new Set();

/** The edges (TRUSTED_PROXIES) whose X-Forwarded-For is believed; set once at start. */
export function setTrustedProxies(addresses: readonly string[]): void {
  trustedProxies = new Set(addresses.map(unwrap));
}

/**
 * The client's address: the socket's, unless the socket is a trusted edge, in which case the right-most
 * X-Forwarded-For entry that is not itself a trusted edge (what a client prepends is never believed).
 */
export function clientAddress(request: FastifyRequest): string {
  const socketAddress = unwrap(request.raw.socket.remoteAddress ?? '0.0.0.0');
  if (!trustedProxies.has(socketAddress)) return socketAddress;
  const forwarded = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((hop) => unwrap(hop.trim()))
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    if (!trustedProxies.has(hop)) return hop;
  }
  return socketAddress;
}

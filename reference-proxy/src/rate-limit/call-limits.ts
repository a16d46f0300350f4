// Per-key bounds on open calls: how many one key may have in flight at once, and how long a streamed answer may last.
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.ts';

export interface CallLimitSettings {
  /** calls of one key in flight at once in this process; one more is 429 */
  maxConcurrentPerKey: number;
  /** a response still open after this long is cut (an endless upstream stream ends here) */
  lifetimeMs: number;
}

export interface CallLimits {
  /** Takes one of the key's slots until the response is over, or throws 429; arms the lifetime. */
  admit(keyId: string, reply: FastifyReply): void;
}

const RETRY_AFTER_SECONDS = 1;

export function createCallLimits(settings: CallLimitSettings): CallLimits {
  const open = new Map<string, number>();
  return {
    admit(keyId, reply) {
      const current = open.get(keyId) ?? 0;
      if (current >= settings.maxConcurrentPerKey) {
        throw new ApiError(
          429,
          'rate_limit_exceeded',
          'Too many concurrent requests for this key.',
          RETRY_AFTER_SECONDS,
        );
      }
      open.set(keyId, current + 1);
      // past its lifetime the response is cut: the connection closes, and the forwarder, hearing the
      // client gone, aborts the upstream call too
      const lifetime = Number.isFinite(settings.lifetimeMs)
        ? setTimeout(() => reply.raw.destroy(), settings.lifetimeMs)
        : undefined;
      lifetime?.unref();
      reply.raw.once('close', () => {
        clearTimeout(lifetime);
        const left = (open.get(keyId) ?? 1) - 1;
        if (left <= 0) open.delete(keyId);
        else open.set(keyId, left);
      });
    },
  };
}

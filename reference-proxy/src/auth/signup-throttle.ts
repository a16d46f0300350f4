// AUTH-12: fixed-window counters that throttle signups (per client address) and key minting (per tenant).

export interface CreationDecision {
  allowed: boolean;
  /** seconds until the window that refused this attempt ends */
  retryAfterSeconds: number;
}

/** Counts creations per subject (a client address, a tenant) and refuses past the limit in a window. */
export interface CreationThrottle {
  take(subject: string): CreationDecision;
}

/** Once this many subjects are tracked, each take prunes the expired windows (memory stays bounded by one window's subjects). */
const PRUNE_AT = 10_000;

/**
 * In memory, per replica: N replicas admit at most N × limit per window, still far below what
 * scripted account or key farming needs. `now` is injectable for tests.
 */
export function createCreationThrottle(
  limit: number,
  windowSeconds: number,
  now: () => number = Date.now,
): CreationThrottle {
  const windowMs = windowSeconds * 1_000;
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    take(subject) {
      const at = now();
      if (windows.size >= PRUNE_AT) {
        for (const [key, window] of windows) if (at - window.startedAt >= windowMs) windows.delete(key);
      }
      let window = windows.get(subject);
      if (window === undefined || at - window.startedAt >= windowMs) {
        window = { startedAt: at, count: 0 };
        windows.set(subject, window);
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - at) / 1_000));
      if (window.count >= limit) return { allowed: false, retryAfterSeconds };
      window.count += 1;
      return { allowed: true, retryAfterSeconds };
    },
  };
}

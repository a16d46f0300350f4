// The creation throttle (AUTH-12): a limit per subject and window, refusals carrying Retry-After, windows that recover.
import { describe, expect, it } from 'vitest';
import { createCreationThrottle } from '../src/auth/signup-throttle.ts';

describe('creation throttle', () => {
  it('admits the limit per subject, refuses the next with the seconds left, and recovers after the window', () => {
    let now = 1_000_000;
    const throttle = createCreationThrottle(3, 60, () => now);
    expect([1, 2, 3].map(() => throttle.take('a').allowed)).toEqual([true, true, true]);
    now += 15_000;
    expect(throttle.take('a')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(throttle.take('b').allowed).toBe(true);
    now += 45_000;
    expect(throttle.take('a').allowed).toBe(true);
  });
});

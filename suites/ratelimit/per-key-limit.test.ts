// RATELIMIT-01: each key is held to its limit, and the RateLimit headers tell the truth.

import { setTimeout as sleep } from 'node:timers/promises';
import { keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { parseRateLimit, parseRateLimitPolicy } from '../../harness/contract/schemas.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** The whole count-down must fit in one window: start over in a fresh window when less than this is left. */
const MIN_WINDOW_LEFT_S = 15;
/** Bounded load: no plan's quota the harness exhausts may exceed this (enterprise is 1,000). */
const MAX_QUOTA_EXERCISED = 1_000;

describe(claimTitle('RATELIMIT-01'), () => {
  test('counts RateLimit r down by exactly one per request and refuses request q+1 with Retry-After', async ({
    target,
    tenant,
    providerKey,
    manifest,
    evidence,
  }) => {
    let key = await target.createKey(tenant.token, { name: keyName() });
    let first = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
    let state = parseRateLimit(first.headers.ratelimit);
    if (state && state.resetSeconds < MIN_WINDOW_LEFT_S) {
      // A fixed window is about to roll over: wait for the next one, with a key that has not spent anything.
      await sleep((state.resetSeconds + 1) * 1_000);
      key = await target.createKey(tenant.token, { name: keyName() });
      first = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
      state = parseRateLimit(first.headers.ratelimit);
    }
    const policy = parseRateLimitPolicy(first.headers['ratelimit-policy']);
    // the first request is set-up: a 5xx or a refusal says nothing about the limit
    requireStatus(first, 200, 'the first proxied request of a fresh key', first.body);
    expect(policy, 'RateLimit-Policy header').not.toBeNull();
    expect(state, 'RateLimit header').not.toBeNull();
    const { quota, windowSeconds } = policy!;
    precondition(
      quota <= MAX_QUOTA_EXERCISED,
      `the key's quota is ${quota}, more than the ${MAX_QUOTA_EXERCISED} requests this check sends; give the target a smaller limit (RATE_LIMIT_REQUESTS, manifest limits.rateLimitRequests)`,
    );
    // The headers are the harness's source; a manifest that states the limits must agree with them.
    const stated = manifest.limits ?? {};
    await evidence.record('quota and window: headers against the manifest', {
      headers: { quota, windowSeconds },
      manifest: {
        rateLimitRequests: stated.rateLimitRequests ?? null,
        rateLimitWindowSeconds: stated.rateLimitWindowSeconds ?? null,
      },
    });
    // a manifest that disagrees with the headers is the owner's statement to fix, not the target's broken promise
    precondition(
      stated.rateLimitRequests === undefined || quota === stated.rateLimitRequests,
      `the manifest states limits.rateLimitRequests ${stated.rateLimitRequests} but the target's RateLimit-Policy says q=${quota}`,
    );
    precondition(
      stated.rateLimitWindowSeconds === undefined || windowSeconds === stated.rateLimitWindowSeconds,
      `the manifest states limits.rateLimitWindowSeconds ${stated.rateLimitWindowSeconds} but the target's RateLimit-Policy says w=${windowSeconds}`,
    );

    const remaining = [state!.remaining];
    for (let sent = 2; sent <= quota; sent += 1) {
      const response = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
      // a 429 inside the stated quota is the finding (the headers lied); any other failure is not about limits
      expect(response.status, `request ${sent} of ${quota}`).not.toBe(429);
      requireStatus(response, 200, `proxied request ${sent} of ${quota}`, response.body);
      remaining.push(parseRateLimit(response.headers.ratelimit)?.remaining ?? Number.NaN);
    }
    const refused = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
    const retryAfter = Number(refused.headers['retry-after']);
    await evidence.record('count-down and refusal', {
      quota,
      windowSeconds,
      remaining,
      refusedStatus: refused.status,
      retryAfter: refused.headers['retry-after'] ?? null,
      refusedRateLimit: refused.headers.ratelimit ?? null,
      refusedBody: refused.body.slice(0, 200),
    });
    expect(remaining).toEqual(Array.from({ length: quota }, (_, i) => quota - 1 - i));
    expect(refused.status).toBe(429);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  });
});

// RATELIMIT-01: each key is held to its limit, and the RateLimit headers tell the truth.

import { keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { inOneWindow, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetResponse } from '../../harness/contract/client.ts';
import { parseRateLimit, parseRateLimitPolicy } from '../../harness/contract/schemas.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/**
 * The count-down must fit in one window: with less than this left, start over in the next one. The
 * free plan's 21 requests take well under a second; a try that still runs past the window is done again.
 */
const MIN_WINDOW_LEFT_S = 5;
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
    // each try a fresh key, its first request read for the window; the key before it is revoked (plan's key count)
    let previous: string | null = null;
    const windowed = await inOneWindow(
      async () => {
        if (previous !== null) {
          await target.send(`/v1/auth/keys/${previous}`, { method: 'DELETE', headers: bearer(tenant.token) });
        }
        const key = await target.createKey(tenant.token, { name: keyName() });
        previous = key.id;
        const first = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
        return { view: rateLimitOf(first), state: { key, first } };
      },
      // only what was sent and answered: judged below, once the try is known to have stayed in one window
      async (view, { key, first }) => {
        const responses: TargetResponse[] = [];
        const quota = view?.quota ?? 0;
        if (first.status !== 200 || quota > MAX_QUOTA_EXERCISED) return { first, responses };
        for (let sent = 2; sent <= quota + 1; sent += 1) {
          const response = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
          responses.push(response);
          if (response.status !== 200) break;
        }
        return { first, responses };
      },
      MIN_WINDOW_LEFT_S,
    );
    const { first, responses } = windowed.result;
    const policy = parseRateLimitPolicy(first.headers['ratelimit-policy']);
    const state = parseRateLimit(first.headers.ratelimit);
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
      waitedSeconds: windowed.waitedSeconds,
      tries: windowed.tries,
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
    for (const [i, response] of responses.slice(0, quota - 1).entries()) {
      const sent = i + 2;
      // a 429 inside the stated quota is the finding (the headers lied); any other failure is not about limits
      expect(response.status, `request ${sent} of ${quota}`).not.toBe(429);
      requireStatus(response, 200, `proxied request ${sent} of ${quota}`, response.body);
      remaining.push(parseRateLimit(response.headers.ratelimit)?.remaining ?? Number.NaN);
    }
    const refused = responses[quota - 1];
    precondition(refused !== undefined, `the count-down stopped before request ${quota + 1}`);
    const retryAfter = Number(refused!.headers['retry-after']);
    await evidence.record('count-down and refusal', {
      quota,
      windowSeconds,
      remaining,
      refusedStatus: refused!.status,
      retryAfter: refused!.headers['retry-after'] ?? null,
      refusedRateLimit: refused!.headers.ratelimit ?? null,
      refusedBody: refused!.body.slice(0, 200),
    });
    expect(remaining).toEqual(Array.from({ length: quota }, (_, i) => quota - 1 - i));
    expect(refused!.status).toBe(429);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  });
});

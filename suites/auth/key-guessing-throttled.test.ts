// AUTH-08: key guessing is throttled — failed authentications from one client address hit 429 well before 1,000 attempts.
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { keyFormatOf, lookalikeKey } from '../../fixtures/key-format.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { requireStatus } from '../../harness/verdict.ts';

/** The claim's bound: a guesser must be stopped before this many attempts. */
const MAX_ATTEMPTS = 1_000;

describe(claimTitle('AUTH-08'), () => {
  test('answers 429 with Retry-After to one address guessing keys, before 1,000 attempts', async ({
    env,
    apiKey,
    manifest,
    providerKey,
    evidence,
    onTestFinished,
  }) => {
    // The guesser gets an address of its own, so no other check's failures count towards its limit.
    const guesser = clientFromAddress(env, freshLoopbackAddress());
    const bystander = clientFromAddress(env, freshLoopbackAddress());
    onTestFinished(async () => {
      await guesser.close();
      await bystander.close();
    });
    const format = keyFormatOf(manifest);
    const statuses = new Map<number, number>();
    let throttledAt: number | null = null;
    let throttled = null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const guess = lookalikeKey(apiKey.raw_key, format);
      const response = await sendChat(guesser, 'openai', { apiKey: guess, providerKey });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 429) {
        throttledAt = attempt;
        throttled = response;
        break;
      }
      expect(response.status, `guess ${attempt}`).toBe(401);
    }
    // Positive control: the throttle is the guesser's, not a lock-out of everyone: the valid key is
    // still served to another address (and so the 401s above were about the guesses).
    const served = await sendChat(bystander, 'openai', { apiKey: apiKey.raw_key, providerKey });
    await evidence.positiveControl('the valid key is served from another address', {
      key: fingerprint(apiKey.raw_key),
      status: served.status,
    });
    await evidence.record('failed authentications until refused', {
      attempts: throttledAt ?? MAX_ATTEMPTS,
      throttledAt,
      statuses: Object.fromEntries(statuses),
      manifestAuthFailureLimit: manifest.limits?.authFailureLimit ?? null,
      retryAfter: throttled?.headers['retry-after'] ?? null,
      body: throttled?.body.slice(0, 200) ?? null,
    });
    requireStatus(served, 200, 'the valid key from another address (positive control)', served.body);
    expect(throttledAt, `no 429 in ${MAX_ATTEMPTS} failed attempts`).not.toBeNull();
    expect(throttledAt!).toBeLessThan(MAX_ATTEMPTS);
    expect(Number(throttled?.headers['retry-after'])).toBeGreaterThan(0);
    const stated = manifest.limits?.authFailureLimit;
    // A limit the manifest states holds within one window boundary: at most twice the limit, plus the refused one.
    if (stated !== undefined) expect(throttledAt!).toBeLessThanOrEqual(2 * stated + 1);
  });
});

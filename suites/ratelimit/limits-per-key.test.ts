// RATELIMIT-02: limits are per key — exhausting key A leaves key B of the same tenant and key C of another tenant untouched.
import { createTenant } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { ensureWindowRoom, exhaustKey, MAX_QUOTA_EXERCISED, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { fingerprint } from '../../harness/probes/canary.ts';

/** Exhausting a free key and the three checks after it take about a second; leave ample room in the window. */
const MIN_WINDOW_LEFT_S = 10;

describe(claimTitle('RATELIMIT-02'), () => {
  test("leaves the tenant's other key and another tenant's key untouched when one key is exhausted", async ({
    target,
    tenant,
    providerKey,
    evidence,
  }) => {
    const keyA = await target.createKey(tenant.token, {});
    const keyB = await target.createKey(tenant.token, {});
    const other = await createTenant(target);
    const keyC = await target.createKey(other.token, {});

    // The window is read with key A itself, so its budget is counted from this first request.
    const { view, waitedSeconds } = await ensureWindowRoom(
      target,
      keyA.raw_key,
      providerKey,
      MIN_WINDOW_LEFT_S,
    );
    expect(view, 'RateLimit and RateLimit-Policy headers').not.toBeNull();
    const { quota } = view!;
    expect(quota).toBeLessThanOrEqual(MAX_QUOTA_EXERCISED);

    const exhausted = await exhaustKey(target, keyA.raw_key, providerKey, quota);
    const sameTenant = await sendChat(target, 'openai', { apiKey: keyB.raw_key, providerKey });
    const otherTenant = await sendChat(target, 'openai', { apiKey: keyC.raw_key, providerKey });
    // Still refused afterwards: B and C were tried inside the window in which A was exhausted.
    const stillRefused = await sendChat(target, 'openai', { apiKey: keyA.raw_key, providerKey });

    await evidence.positiveControl('key A is exhausted before and after B and C are tried', {
      keyA: fingerprint(keyA.raw_key),
      admittedBeforeRefusal: exhausted.admitted,
      refusal: exhausted.refusal?.status ?? null,
      afterwards: stillRefused.status,
    });
    await evidence.record('keys B (same tenant) and C (other tenant) after A was exhausted', {
      quota,
      waitedSeconds,
      keyB: { key: fingerprint(keyB.raw_key), status: sameTenant.status, ratelimit: rateLimitOf(sameTenant) },
      keyC: {
        key: fingerprint(keyC.raw_key),
        status: otherTenant.status,
        ratelimit: rateLimitOf(otherTenant),
      },
    });
    expect(exhausted.refusal?.status).toBe(429);
    expect(stillRefused.status).toBe(429);
    expect(sameTenant.status).toBe(200);
    expect(rateLimitOf(sameTenant)?.remaining).toBe(quota - 1);
    expect(otherTenant.status).toBe(200);
    expect(rateLimitOf(otherTenant)?.remaining).toBe(quota - 1);
  });
});

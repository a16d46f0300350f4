// RATELIMIT-02: limits are per key — exhausting key A leaves key B of the same tenant and key C of another tenant untouched.

import { createTenant } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { exhaustKey, inOneWindow, MAX_QUOTA_EXERCISED, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition } from '../../harness/verdict.ts';

/** Exhausting three free keys takes a second or two (a try that still runs past the window is done again). */
const MIN_WINDOW_LEFT_S = 5;

describe(claimTitle('RATELIMIT-02'), () => {
  test("leaves the tenant's other key and another tenant's key untouched when one key is exhausted", async ({
    target,
    tenant,
    providerKey,
    evidence,
  }) => {
    // each try fresh keys A and B (the ones before revoked: the plan's key count) and C of a fresh tenant
    let previous: string[] = [];
    const windowed = await inOneWindow(
      async () => {
        for (const id of previous) {
          await target.send(`/v1/auth/keys/${id}`, { method: 'DELETE', headers: bearer(tenant.token) });
        }
        const keyA = await target.createKey(tenant.token, {});
        const keyB = await target.createKey(tenant.token, {});
        previous = [keyA.id, keyB.id];
        const other = await createTenant(target);
        const keyC = await target.createKey(other.token, {});
        // The window is read with key A itself, so its budget is counted from this first request.
        const first = await sendChat(target, 'openai', { apiKey: keyA.raw_key, providerKey });
        return { view: rateLimitOf(first), state: { keyA, keyB, keyC } };
      },
      // only what was sent and answered: judged below, once the try is known to have stayed in one window
      async (view, { keyA, keyB, keyC }) => {
        const quota = view?.quota ?? 0;
        if (view === null || quota > MAX_QUOTA_EXERCISED) return null;
        const exhausted = await exhaustKey(target, keyA.raw_key, providerKey, quota);
        // B and C must each still have their whole budget: counted by what they admit, not by what the
        // headers say (whether the headers tell the truth is RATELIMIT-01's question).
        const sameTenant = await exhaustKey(target, keyB.raw_key, providerKey, quota);
        const otherTenant = await exhaustKey(target, keyC.raw_key, providerKey, quota);
        // Still refused afterwards: B and C were spent inside the window in which A was exhausted.
        const stillRefused = await sendChat(target, 'openai', { apiKey: keyA.raw_key, providerKey });
        return { keyA, keyB, keyC, exhausted, sameTenant, otherTenant, stillRefused };
      },
      MIN_WINDOW_LEFT_S,
    );
    const { view, waitedSeconds } = windowed;
    expect(view, 'RateLimit and RateLimit-Policy headers').not.toBeNull();
    const { quota } = view!;
    precondition(
      windowed.result !== null,
      `the key's quota is ${quota}, more than the ${MAX_QUOTA_EXERCISED} requests this check sends per key; give the target a smaller limit (RATE_LIMIT_REQUESTS)`,
    );
    const { keyA, keyB, keyC, exhausted, sameTenant, otherTenant, stillRefused } = windowed.result!;

    await evidence.positiveControl('key A is exhausted before and after B and C are spent', {
      keyA: fingerprint(keyA.raw_key),
      admittedBeforeRefusal: exhausted.admitted,
      refusal: exhausted.refusal?.status ?? null,
      afterwards: stillRefused.status,
    });
    const spent = (key: string, run: typeof sameTenant) => ({
      key: fingerprint(key),
      admitted: run.admitted,
      statuses: [...new Set(run.statuses)],
      refusal: run.refusal?.status ?? null,
      retryAfter: run.refusal?.headers['retry-after'] ?? null,
    });
    await evidence.record('keys B (same tenant) and C (other tenant) spent after A was exhausted', {
      quota,
      waitedSeconds,
      tries: windowed.tries,
      keyB: spent(keyB.raw_key, sameTenant),
      keyC: spent(keyC.raw_key, otherTenant),
    });
    // the positive control: without key A exhausted, B and C prove nothing about per-key limits
    precondition(
      exhausted.refusal?.status === 429 && stillRefused.status === 429,
      `key A was not refused after its quota (${exhausted.refusal?.status ?? 'no refusal'}, then ${stillRefused.status}); whether keys are limited at all is RATELIMIT-01's question`,
    );
    // B and C may only be refused for rate (429, the finding); any other failure is not about limits
    const otherFailures = [...sameTenant.statuses, ...otherTenant.statuses].filter(
      (s) => s !== 200 && s !== 429,
    );
    precondition(
      otherFailures.length === 0,
      `keys B and C got answers that are neither 200 nor 429: ${[...new Set(otherFailures)].join(', ')}`,
    );
    expect(sameTenant.admitted, "the same tenant's other key").toBe(quota);
    expect(sameTenant.statuses.every((status) => status === 200)).toBe(true);
    expect(otherTenant.admitted, "another tenant's key").toBe(quota);
    expect(otherTenant.statuses.every((status) => status === 200)).toBe(true);
  });
});

// LIMITS-02: the plan's body limit binds chunked bodies — refused once the limit (+64 kB) has been read, never read in full.
import { randomUUID } from 'node:crypto';
import { freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { sendHeldBody } from '../../fixtures/held-body.ts';
import { PROXY_PATHS, sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { requireStatus } from '../../harness/verdict.ts';

/** What the target may read past the plan's limit before refusing (the claim's slack). */
const SLACK_BYTES = 64 * 1_024;
/** Shorter than any request timeout a target would set, so a 408 for the held body is never taken for a refusal. */
const ANSWER_WAIT_MS = 3_000;

describe(claimTitle('LIMITS-02'), () => {
  test("refuses a chunked proxy body over the plan's limit once limit + 64 kB has been sent", async ({
    env,
    target,
    apiKey,
    manifest,
    evidence,
  }) => {
    const limit = manifest.limits?.maxRequestBodyBytes;
    if (limit === undefined) {
      return evidence.notAssessed(
        "the manifest states no body limit for a fresh account's plan (limits.maxRequestBodyBytes), so an over-limit body cannot be sized",
      );
    }
    const providerKey = `sk-proj-limits02-${randomUUID()}`;
    // Positive control: a small body through the same key and route is served.
    const served = await sendChat(target, 'openai', { apiKey: apiKey.raw_key, providerKey });
    await evidence.positiveControl('a body within the limit is served', { status: served.status });
    requireStatus(served, 200, 'a proxy request within the body limit', served.body);
    const burst = limit + SLACK_BYTES;
    const held = await sendHeldBody(env.replicas[0]!.httpsUrl, env.caPem, {
      method: 'POST',
      path: PROXY_PATHS.openai,
      headers: {
        Authorization: `Bearer ${apiKey.raw_key}`,
        'X-Provider-Key': providerKey,
        'Content-Type': 'application/json',
      },
      framing: 'chunked',
      burstBytes: burst,
      waitMs: ANSWER_WAIT_MS,
      localAddress: freshLoopbackAddress(),
    });
    await evidence.record(`chunked body held after limit + 64 kB (${burst} bytes)`, {
      key: fingerprint(apiKey.raw_key),
      planLimitBytes: limit,
      status: held.status,
      bytesSent: held.bytesSent,
      answeredAfterMs: held.endedAfterMs,
      closed: held.closed,
    });
    // A close before the whole burst was written (a reset can swallow a 413) means it stopped reading at its limit.
    if (held.status === null && held.closed && held.bytesSent < burst) return;
    // any refusal bounds the body (an edge may turn the target's early 413 and close into a 502)
    expect(
      held.status ?? 0,
      `answer to a chunked body after ${held.bytesSent} bytes (plan limit ${limit}; null: still reading after ${ANSWER_WAIT_MS} ms)`,
    ).toBeGreaterThanOrEqual(400);
  });
});

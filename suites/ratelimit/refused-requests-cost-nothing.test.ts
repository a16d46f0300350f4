// RATELIMIT-04: refused requests cost nothing — a 429 reaches no upstream, writes no usage row, logs no key.

import { setTimeout as sleep } from 'node:timers/promises';
import { QUIET_PERIOD_MS } from '../../fixtures/poll.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { exhaustKey, inOneWindow, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, expectJson, type TargetClient } from '../../harness/contract/client.ts';
import { UsageListSchema } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import {
  canaryForms,
  fingerprint,
  makeCanary,
  plantedFormsMissed,
  sweepBuffer,
} from '../../harness/probes/canary.ts';
import { readLogSinks } from '../../harness/probes/target-logs.ts';
import { precondition } from '../../harness/verdict.ts';

/** Exhausting a free key and three refusals take about two seconds (a try that runs past the window is done again). */
const MIN_WINDOW_LEFT_S = 5;
const REFUSED_REQUESTS = 3;

async function usageRowsOf(target: TargetClient, token: string, keyId: string): Promise<number> {
  const page = expectJson(
    await target.send('/v1/usage?limit=500', { headers: bearer(token) }),
    200,
    UsageListSchema,
  );
  return page.usage.filter((row) => row.key_id === keyId).length;
}

const logFilesOf = (env: EnvironmentInfo) => env.replicas.flatMap((replica) => replica.logFiles);

describe(claimTitle('RATELIMIT-04'), () => {
  test('sends a refused request to no upstream, records no usage for it and logs neither key', async ({
    env,
    target,
    mock,
    tenant,
    apiKey,
    evidence,
  }) => {
    const admittedProviderKey = makeCanary('openai');
    const refusedProviderKey = makeCanary('openai');
    // the first try spends the fixture's key; a try done again gets a fresh key (the one before revoked)
    let previous: string | null = null;
    const windowed = await inOneWindow(
      async () => {
        if (previous !== null) {
          await target.send(`/v1/auth/keys/${previous}`, { method: 'DELETE', headers: bearer(tenant.token) });
        }
        const key = previous === null ? apiKey : await target.createKey(tenant.token, {});
        previous = key.id;
        const first = await sendChat(target, 'openai', {
          apiKey: key.raw_key,
          providerKey: admittedProviderKey,
        });
        return { view: rateLimitOf(first), state: key };
      },
      // only what was sent and answered: judged below, once the try is known to have stayed in one window
      async (view, key) => {
        if (view === null) return null;
        const exhausted = await exhaustKey(target, key.raw_key, admittedProviderKey, view.quota);
        if (exhausted.refusal?.status !== 429)
          return { key, exhausted, rowsBefore: 0, cursor: null, refused: [] };
        await sleep(QUIET_PERIOD_MS);
        const rowsBefore = await usageRowsOf(target, tenant.token, key.id);
        const cursor = await mock.cursor();
        const refused = [];
        for (let i = 0; i < REFUSED_REQUESTS; i += 1) {
          refused.push(
            await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey: refusedProviderKey }),
          );
        }
        return { key, exhausted, rowsBefore, cursor, refused };
      },
      MIN_WINDOW_LEFT_S,
    );
    // headers and refusals themselves are RATELIMIT-01's findings; here they are what the check builds on
    precondition(
      windowed.result !== null,
      'the target sent no RateLimit/RateLimit-Policy headers, so the quota to spend is unknown (see RATELIMIT-01)',
    );
    const { key, exhausted, rowsBefore, cursor, refused } = windowed.result!;
    precondition(
      exhausted.refusal?.status === 429,
      `the key was not refused after its quota (${exhausted.refusal?.status ?? 'no refusal'}); see RATELIMIT-01`,
    );
    await sleep(QUIET_PERIOD_MS);
    const upstream = await mock.requests({ since: cursor! });
    const reachedUpstream = upstream.filter((r) => JSON.stringify(r).includes(refusedProviderKey)).length;
    const rowsAfter = await usageRowsOf(target, tenant.token, key.id);

    const sinks = await readLogSinks(logFilesOf(env));
    const captured = Buffer.concat(sinks.map((sink) => sink.bytes));
    const findings = [
      ...sweepBuffer(captured, canaryForms(key.raw_key)).map((f) => ({ key: 'mt_live_ key', ...f })),
      ...sweepBuffer(captured, canaryForms(refusedProviderKey)).map((f) => ({ key: 'provider key', ...f })),
    ];

    // Positive controls: the admitted requests did reach the mock and did write usage rows, and the
    // log sweep finds a key planted in these very logs, so the zeros below are observations.
    const admittedSeen = (await mock.requests()).filter((r) =>
      JSON.stringify(r.headers).includes(admittedProviderKey),
    ).length;
    const missed = sinks.length === 0 ? ['no log captured'] : plantedFormsMissed(captured, 'text');
    await evidence.positiveControl(
      'admitted requests are seen upstream and in usage; planted keys are found in the logs',
      {
        admittedSeen,
        rowsBefore,
        plantedFormsMissed: missed,
      },
    );
    await evidence.record('refused requests', {
      key: fingerprint(key.raw_key),
      waitedSeconds: windowed.waitedSeconds,
      tries: windowed.tries,
      refusedProviderKey: fingerprint(refusedProviderKey),
      statuses: refused.map((r) => r.status),
      reachedUpstream,
      rowsBefore,
      rowsAfter,
      logs: sinks.map((s) => ({ file: s.file, bytes: s.bytes.length, sha256: s.sha256 })),
      findings,
    });
    // positive controls: admitted requests were seen upstream and in usage, so zero below means something
    precondition(
      admittedSeen > 0,
      'no admitted request of the key was seen at the mock upstream: the upstream probe is blind',
      'HARNESS_ERR_PROBE_BLIND',
    );
    precondition(
      rowsBefore > 0,
      'the admitted requests wrote no usage row the API lists: the usage probe is blind',
      'HARNESS_ERR_PROBE_BLIND',
    );
    expect(missed).toEqual([]);
    expect(refused.map((r) => r.status)).toEqual(Array(REFUSED_REQUESTS).fill(429));
    expect(reachedUpstream, 'refused requests that reached the upstream').toBe(0);
    expect(rowsAfter, 'usage rows after the refused requests').toBe(rowsBefore);
    expect(findings).toEqual([]);
  });
});

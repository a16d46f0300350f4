// RATELIMIT-03: the limit is atomic — a burst of 5×q concurrent requests admits exactly q, through one replica and through two.

import { setTimeout as sleep } from 'node:timers/promises';
import { createTenant } from '../../fixtures/factories.ts';
import { pollUntil, QUIET_PERIOD_MS } from '../../fixtures/poll.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { inOneWindow, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, expectJson, TargetClient } from '../../harness/contract/client.ts';
import { UsageListSchema } from '../../harness/contract/schemas.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition } from '../../harness/verdict.ts';

const BURST_FACTOR = 5;
/** Bounded load: a burst never exceeds this many requests (5 × a quota of 200). */
const MAX_BURST = 1_000;
/**
 * A burst of 100 requests takes one or two seconds here; it must not straddle a fixed window's end
 * (a burst that ran past it is done again in the next window, see inOneWindow).
 */
const MIN_WINDOW_LEFT_S = 5;
const USAGE_PAGE = 500;

const TOPOLOGIES = [
  { name: 'one replica', replicas: [0] },
  { name: 'two replicas sharing the database', replicas: [0, 1] },
] as const;

describe(claimTitle('RATELIMIT-03'), () => {
  test.for(TOPOLOGIES)(
    'admits exactly q of 5×q concurrent requests through $name',
    async (topology, { env, target, mock, tenant, evidence, onTestFinished }) => {
      if (env.replicas.length < topology.replicas.length) {
        return evidence.notAssessed(
          `the environment runs ${env.replicas.length} replica(s); this check needs ${topology.replicas.length}`,
        );
      }
      const clients = topology.replicas.map((index) => {
        const client = new TargetClient(env.replicas[index]?.httpsUrl ?? '', env.caPem);
        onTestFinished(() => client.close());
        return client;
      });
      // Another tenant's key reads the window, so the burst key's (and its tenant's) whole budget is left for the burst.
      const bystander = await createTenant(target);
      const probeKey = await target.createKey(bystander.token, {});
      const windowed = await inOneWindow(
        async () => ({
          view: rateLimitOf(
            await sendChat(target, 'openai', { apiKey: probeKey.raw_key, providerKey: makeCanary('openai') }),
          ),
          state: null,
        }),
        // only what was sent and answered: judged below, once the burst is known to have stayed in one window
        async (view) => {
          const burstSize = BURST_FACTOR * (view?.quota ?? 0);
          if (view === null || burstSize > MAX_BURST) return null;
          const burstKey = await target.createKey(tenant.token, {});
          // A provider key of its own: the mock's record of this burst is exactly the requests carrying it.
          const providerKey = makeCanary('openai');
          const cursor = await mock.cursor();
          const started = performance.now();
          const responses = await Promise.all(
            Array.from({ length: burstSize }, (_, i) =>
              sendChat(clients[i % clients.length]!, 'openai', { apiKey: burstKey.raw_key, providerKey }),
            ),
          );
          return {
            burstKey,
            providerKey,
            cursor,
            responses,
            burstMs: Math.round(performance.now() - started),
          };
        },
        MIN_WINDOW_LEFT_S,
      );
      const view = windowed.view;
      precondition(
        view !== null,
        'the target sent no RateLimit/RateLimit-Policy headers, so the quota is unknown (see RATELIMIT-01)',
      );
      const quota = view!.quota;
      const burstSize = BURST_FACTOR * quota;
      if (windowed.result === null) {
        return evidence.notAssessed(
          `a burst of 5 × ${quota} exceeds the harness's load bound of ${MAX_BURST}`,
        );
      }
      const { burstKey, providerKey, cursor, responses, burstMs } = windowed.result;
      const statuses: Record<number, number> = {};
      for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;

      const upstreamSaw = (await mock.requests({ since: cursor, provider: 'openai' })).filter((r) =>
        JSON.stringify(r.headers).includes(providerKey),
      ).length;
      const usageRows = async () => {
        const page = expectJson(
          await target.send(`/v1/usage?limit=${USAGE_PAGE}`, { headers: bearer(tenant.token) }),
          200,
          UsageListSchema,
        );
        return page.usage.filter((row) => row.key_id === burstKey.id).length;
      };
      // Rows may be written after the answer: wait for q, then a quiet period for any extra row.
      await pollUntil(usageRows, (count) => count >= quota, QUIET_PERIOD_MS * 2);
      await sleep(QUIET_PERIOD_MS);
      const rows = await usageRows();

      await evidence.record(`burst through ${topology.name}`, {
        replicas: topology.replicas.map((i) => env.replicas[i]?.httpsUrl),
        key: fingerprint(burstKey.raw_key),
        quota,
        windowSeconds: view!.windowSeconds,
        waitedSeconds: windowed.waitedSeconds,
        tries: windowed.tries,
        burstSize,
        burstMs,
        statuses,
        upstreamRequestsWithBurstProviderKey: upstreamSaw,
        usageRowsOfBurstKey: rows,
      });
      // Positive controls: the mock and the usage API do see the admitted requests of this burst.
      await evidence.positiveControl('the mock and the usage API see the admitted requests', {
        upstreamSaw,
        rows,
      });
      // a burst answered with anything but 200 or 429 (5xx, resets) cannot be counted: the harness could not tell
      const others = Object.keys(statuses).filter((status) => status !== '200' && status !== '429');
      precondition(others.length === 0, `the burst got answers other than 200 and 429: ${others.join(', ')}`);
      expect(statuses[200] ?? 0, 'admitted').toBe(quota);
      expect(statuses[429] ?? 0, 'refused').toBe(burstSize - quota);
      expect(upstreamSaw, 'requests the mock upstream received').toBe(quota);
      expect(rows, 'usage rows of the burst key').toBe(quota);
    },
  );
});

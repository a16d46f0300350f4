// RATELIMIT-05: the window recovers — after Retry-After an exhausted key is admitted again.

import { setTimeout as sleep } from 'node:timers/promises';
import { canStartDedicated, startDedicatedEnvironment } from '../../fixtures/dedicated-environment.ts';
import { createTenant } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { ensureWindowRoom, exhaustKey, MAX_QUOTA_EXERCISED, rateLimitOf } from '../../fixtures/rate-limit.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { TargetClient } from '../../harness/contract/client.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition } from '../../harness/verdict.ts';

/**
 * The window this check watches recover (contract §2's RATE_LIMIT_WINDOW_SECONDS). A target with a
 * longer window that the harness starts itself is started once more, just for this check, with this
 * window: the shared environment keeps its own, so no other check's timing changes.
 */
const SHORT_WINDOW_S = 5;
/** The dedicated environment's quota (RATE_LIMIT_REQUESTS): small, so exhausting a key takes a few requests. */
const SHORT_QUOTA = 5;
/** A target the harness cannot restart (deployed) is waited for, up to this window. */
const MAX_WAITED_WINDOW_S = 120;
/**
 * Exhausting a key of SHORT_QUOTA (or a free key of a target already on a short window) takes well
 * under a second, one or two on a loaded machine; start with at least this much of the window left.
 */
const MIN_WINDOW_LEFT_S = 3;

describe(claimTitle('RATELIMIT-05'), () => {
  test(
    'admits an exhausted key again once Retry-After has passed',
    async ({ env, target, manifest, evidence, onTestFinished }) => {
      const probeTenant = await createTenant(target);
      const probeKey = await target.createKey(probeTenant.token, {});
      const probe = rateLimitOf(
        await sendChat(target, 'openai', { apiKey: probeKey.raw_key, providerKey: makeCanary('openai') }),
      );
      precondition(
        probe !== null,
        'the target sent no RateLimit/RateLimit-Policy headers, so its window is unknown (see RATELIMIT-01)',
      );

      let client = target;
      let where = 'the shared environment';
      if (probe!.windowSeconds > SHORT_WINDOW_S) {
        if (canStartDedicated(manifest)) {
          const dedicated = await startDedicatedEnvironment(env, manifest, {
            label: 'ratelimit-window',
            limits: { rateLimitWindowSeconds: SHORT_WINDOW_S, rateLimitRequests: SHORT_QUOTA },
          });
          onTestFinished(() => dedicated.stop());
          const info = dedicated.getInfo();
          client = new TargetClient(info.replicas[0]?.httpsUrl ?? '', info.caPem);
          onTestFinished(() => client.close());
          where = `a dedicated environment with RATE_LIMIT_WINDOW_SECONDS=${SHORT_WINDOW_S}, RATE_LIMIT_REQUESTS=${SHORT_QUOTA}`;
        } else if (probe!.windowSeconds > MAX_WAITED_WINDOW_S) {
          return evidence.notAssessed(
            `the target's window is ${probe!.windowSeconds} s, longer than the ${MAX_WAITED_WINDOW_S} s this check waits, and the harness cannot restart a deployed target with a shorter one`,
          );
        }
      }

      const tenant = await createTenant(client);
      const key = await client.createKey(tenant.token, {});
      const providerKey = makeCanary('openai');
      const { view } = await ensureWindowRoom(client, key.raw_key, providerKey, MIN_WINDOW_LEFT_S);
      precondition(view !== null, 'the target sent no RateLimit/RateLimit-Policy headers (see RATELIMIT-01)');
      precondition(
        view!.quota <= MAX_QUOTA_EXERCISED,
        `the key's quota is ${view!.quota}, more than the ${MAX_QUOTA_EXERCISED} requests this check sends; give the target a smaller limit`,
      );
      const exhausted = await exhaustKey(client, key.raw_key, providerKey, view!.quota);
      const refusal = exhausted.refusal;
      // the refusal and its Retry-After are RATELIMIT-01's findings; here they are what recovery is measured from
      precondition(
        refusal?.status === 429,
        `the key was not refused after its quota (${refusal?.status ?? 'no refusal'}); see RATELIMIT-01`,
      );
      const retryAfter = Number(refusal!.headers['retry-after']);
      precondition(
        retryAfter > 0 && retryAfter <= view!.windowSeconds,
        `the refusal's Retry-After (${refusal!.headers['retry-after']}) is not within the window of ${view!.windowSeconds} s; see RATELIMIT-01`,
      );

      const refusedAt = performance.now();
      await sleep(retryAfter * 1_000);
      const again = await sendChat(client, 'openai', { apiKey: key.raw_key, providerKey });
      await evidence.positiveControl('the key was refused right before the wait', {
        status: refusal!.status,
        retryAfter,
        ratelimit: rateLimitOf(refusal!),
      });
      await evidence.record('request after Retry-After', {
        where,
        key: fingerprint(key.raw_key),
        quota: view!.quota,
        windowSeconds: view!.windowSeconds,
        waitedMs: Math.round(performance.now() - refusedAt),
        status: again.status,
        ratelimit: rateLimitOf(again),
      });
      expect(again.status).toBe(200);
    },
    (MAX_WAITED_WINDOW_S + 30) * 1_000,
  );
});

// SECRETS-05: the provider key is dropped at the end of the request — a heap snapshot of the target, after traffic and a full GC, holds no canary.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { recordSweep, requireUsableSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import { openTrafficSession, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import {
  providerKeysOf,
  requireTrafficOnPlan,
  runAllPaths,
  settleUsage,
  trafficEvidence,
} from './traffic-run.ts';

let session: TrafficSession | undefined;
afterAll(async () => {
  await session?.close();
});

describe(claimTitle('SECRETS-05'), () => {
  test('holds none of the keys it forwarded in its heap once the requests are over', async ({
    env,
    mock,
    evidence,
  }) => {
    const replica = env.replicas[0];
    // process mode: the child's pid; containers mode: the container's main process as the host sees it
    if (env.mode === 'external' || replica?.pid == null)
      return evidence.notAssessed(
        `a heap snapshot needs a target process the harness started (mode ${env.mode})`,
      );
    // the session talks to replica 0 only, so its heap is the one that handled every key
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    const run = await runAllPaths(env, session, mock);
    await evidence.record('traffic through replica 0', trafficEvidence(run));
    await settleUsage(session).catch(() => null);
    const report = await sweepSinks(env, providerKeysOf(run), { sinks: ['heap'], heapPids: [replica.pid] });
    await recordSweep(evidence, `heap of replica 0 (pid ${replica.pid})`, report);
    // a leak found is the finding, whatever else happened; only then may a blind spot make it `error`
    expect(report.findings).toEqual([]);
    if (report.notAssessed.length > 0)
      return evidence.notAssessed(report.notAssessed.map((n) => n.reason).join('; '));
    requireUsableSweep(report);
    requireTrafficOnPlan(run);
  });
});

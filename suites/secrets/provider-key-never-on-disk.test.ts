// SECRETS-03: the provider key is never written to disk — DATA_DIR, TMPDIR, the working directory and Postgres's files (WAL included) are swept after every path.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { recordSweep, requireUsableSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import { openTrafficSession, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import {
  captureWritesOf,
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

describe(claimTitle('SECRETS-03'), () => {
  // one strace per target process at a time: the other claim's capture may hold it first (write-capture lock)
  test('keeps every path’s key out of every file the target or its database wrote', {
    timeout: 180_000,
  }, async ({ env, mock, evidence }) => {
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    // files written and deleted during the traffic: every write replica 0 (the session's replica) makes
    const capture = await captureWritesOf(env);
    const run = await runAllPaths(env, session, mock);
    const writes = await capture.stop();
    await evidence.record(
      'traffic: every provider, streaming or not, and every error path',
      trafficEvidence(run),
    );
    // usage rows are written after the response: let them land so their pages reach the data files
    await settleUsage(session).catch(() => null);
    const report = await sweepSinks(env, providerKeysOf(run), {
      sinks: ['disk', 'file-writes'],
      extraLogFiles: run.extraLogFiles,
      writes,
    });
    await recordSweep(evidence, 'disk', report);
    // a leak found is the finding, whatever else happened; only then may a blind spot make it `error`
    expect(report.findings).toEqual([]);
    if (report.notAssessed.length > 0)
      return evidence.notAssessed(report.notAssessed.map((n) => n.reason).join('; '));
    requireUsableSweep(report);
    requireTrafficOnPlan(run);
  });
});

// SECRETS-04: the provider key is never stored in or sent to the database — every row of every schema, and every statement Postgres logged, after every path.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { recordSweep, requireUsableSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import { precondition } from '../../harness/verdict.ts';
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

describe(claimTitle('SECRETS-04'), () => {
  test('keeps every path’s key out of every row and every logged statement', async ({
    env,
    mock,
    evidence,
  }) => {
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    const run = await runAllPaths(env, session, mock);
    await evidence.record(
      'traffic: every provider, streaming or not, and every error path',
      trafficEvidence(run),
    );
    // usage rows are written after the response; a key sent along with them must be in the log first
    const usageRows = await settleUsage(session).catch(() => null);
    const report = await sweepSinks(env, providerKeysOf(run), { sinks: ['db-rows', 'db-statement-log'] });
    await recordSweep(evidence, 'database rows and statement log', report, {
      usageRowsOfTheTenant: usageRows,
    });
    // a leak found is the finding, whatever else happened; only then may a blind spot make it `error`
    expect(report.findings).toEqual([]);
    if (report.notAssessed.length > 0)
      return evidence.notAssessed(report.notAssessed.map((n) => n.reason).join('; '));
    requireUsableSweep(report);
    requireTrafficOnPlan(run);
    precondition(
      usageRows !== null && usageRows > 0,
      'the traffic left no usage row, so the target’s per-request writes were not exercised',
    );
  });
});

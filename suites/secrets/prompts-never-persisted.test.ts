// SECRETS-07: prompts and model responses are never persisted — canary prompts and the mock's canary completions are swept for in rows, statements, files and logs.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { recordSweep, requireUsableSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import { precondition } from '../../harness/verdict.ts';
import { openTrafficSession, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import {
  captureWritesOf,
  contentOf,
  requireTrafficOnPlan,
  runAllPaths,
  settleUsage,
  trafficEvidence,
} from './traffic-run.ts';

let session: TrafficSession | undefined;
afterAll(async () => {
  await session?.close();
});

describe(claimTitle('SECRETS-07'), () => {
  // one strace per target process at a time: the other claim's capture may hold it first (write-capture lock)
  test('keeps every path’s prompt and completion out of the database, its log, the disk and the logs', {
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
    // the usage rows are the one thing the target writes per request: let them land before sweeping
    const usageRows = await settleUsage(session).catch(() => null);
    const report = await sweepSinks(env, contentOf(run), {
      sinks: ['db-rows', 'db-statement-log', 'disk', 'logs', 'file-writes'],
      extraLogFiles: run.extraLogFiles,
      writes,
    });
    await recordSweep(evidence, 'prompts and completions', report);
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

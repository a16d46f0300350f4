// SECRETS-02: the provider key is never logged — every byte the target wrote is swept for the canary in every encoding, on every path.

import { afterAll } from 'vitest';
import type { MockControlClient } from '../../fixtures/mock-upstreams.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { spareReplicaUnavailable } from '../../harness/probes/spare-replica.ts';
import {
  recordSweep,
  reportOfSecret,
  requireUsableSweep,
  type SweepReport,
  sweepSinks,
} from '../../harness/probes/sweep.ts';
import { precondition } from '../../harness/verdict.ts';
import { openTrafficSession, TRAFFIC_PATHS, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import {
  providerKeyLabel,
  providerKeysOf,
  RESTART_PATH,
  runAllPaths,
  type TrafficRun,
} from './traffic-run.ts';

let session: TrafficSession | undefined;
let shared: Promise<{ run: TrafficRun; report: SweepReport }> | undefined;

/**
 * Every path at once (each with its own canary key, the SIGTERM path after them), then one sweep of
 * every log capture for every path's key: run by the first path test, read by each. A finding is
 * attributed to its path by the key's label.
 */
function sharedTraffic(env: EnvironmentInfo, mock: MockControlClient) {
  shared ??= (async () => {
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    const run = await runAllPaths(env, session, mock);
    const report = await sweepSinks(env, providerKeysOf(run), {
      sinks: ['logs'],
      extraLogFiles: run.extraLogFiles,
    });
    return { run, report };
  })();
  return shared;
}

describe(claimTitle('SECRETS-02'), () => {
  test('finds a key planted in a copy of the captured logs in every encoding (positive control)', async ({
    env,
    evidence,
  }) => {
    const report = await sweepSinks(env, [makeCanary('openai')], { sinks: ['logs'] });
    const logs = report.sinks[0];
    if (logs && !logs.assessed) return evidence.notAssessed(logs.notAssessedReason ?? 'logs not captured');
    await recordSweep(evidence, 'control sweep', report, { LOG_LEVEL: env.targetEnv.LOG_LEVEL ?? null });
    // the claim is about the most verbose level, where leaks live: the harness must have asked for it
    // (a deployed target's level is its operator's: the liveness markers below prove its log is the live one)
    precondition(
      env.mode === 'external' || env.targetEnv.LOG_LEVEL === 'debug',
      `the target runs with LOG_LEVEL=${env.targetEnv.LOG_LEVEL ?? '(unset)'}, not debug`,
    );
    // an empty capture, or one without a line the target wrote for a harness request, would make every sweep clean
    requireUsableSweep(report);
    expect(report.controlsMissed).toEqual([]);
  });

  test.for(TRAFFIC_PATHS)(
    'keeps the key out of every log line on the path: $name',
    async (path, { env, mock, evidence }) => {
      // every path ran at once, and one sweep looked for every path's key: this test reads its own path
      const { run, report } = await sharedTraffic(env, mock);
      const ran = run.paths.find((p) => p.name === path.name);
      precondition(ran !== undefined, `the traffic run has no path ${path.name}`);
      const own = reportOfSecret(report, providerKeyLabel(path.name));
      await recordSweep(evidence, path.name, own, {
        path: path.name,
        status: ran!.status,
        note: ran!.note,
        error: ran!.error,
        key: fingerprint(ran!.providerKey),
        upstreamRequestsCarryingKey: ran!.upstreamRequestsCarryingKey,
        trafficRunMs: run.durationMs,
      });
      expect(own.findings).toEqual([]);
      if (own.notAssessed.length > 0) return evidence.notAssessed(own.notAssessed[0]?.reason ?? '');
      requireUsableSweep(own);
      // the path really ran: its status, and (where the path goes upstream) the key reached the provider
      precondition(ran!.error === null, `the path ${path.name} did not finish: ${ran!.error}`);
      precondition(
        path.expectedStatus === null ? ran!.status >= 200 : ran!.status === path.expectedStatus,
        `the path ${path.name} answered ${ran!.status}, expected ${path.expectedStatus ?? 'any answer'} (${ran!.note ?? ''})`,
      );
      precondition(
        !path.reachesUpstream || ran!.upstreamRequestsCarryingKey > 0,
        `the path ${path.name} never reached the mock provider with the key`,
      );
    },
  );

  test('keeps the key out of the logs of a replica SIGTERMed mid-stream (a replica this test starts)', async ({
    env,
    mock,
    evidence,
  }) => {
    const unavailable = spareReplicaUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const { run, report } = await sharedTraffic(env, mock);
    const ran = run.paths.find((p) => p.name === RESTART_PATH);
    precondition(
      ran !== undefined,
      `the restart path did not run: ${run.restartSkipped ?? 'no reason given'}`,
    );
    // the replica may drain or stop at once: a stream it cuts is allowed (recorded in the note)
    precondition(run.extraLogFiles.length > 0, `the spare replica did not start: ${ran!.error}`);
    const own = reportOfSecret(report, providerKeyLabel(RESTART_PATH));
    await recordSweep(evidence, 'SIGTERM mid-stream', own, {
      note: ran!.note,
      cut: ran!.cut,
      error: ran!.error,
      key: fingerprint(ran!.providerKey),
      replicaLogs: run.extraLogFiles,
    });
    expect(own.findings).toEqual([]);
    requireUsableSweep(own);
    precondition(ran!.error === null, `the SIGTERM path did not finish: ${ran!.error}`);
    precondition(ran!.status === 200, `the stream to the spare replica answered ${ran!.status}`);
  });

  afterAll(async () => {
    await session?.close();
  });
});

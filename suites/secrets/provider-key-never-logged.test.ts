// SECRETS-02: the provider key is never logged — every byte the target wrote is swept for the canary in every encoding, on every path.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { spareReplicaUnavailable } from '../../harness/probes/spare-replica.ts';
import { recordSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import {
  makeCanaryPrompt,
  openTrafficSession,
  restartMidStream,
  TRAFFIC_PATHS,
  type TrafficSession,
} from './leak-traffic.ts';

let session: TrafficSession | undefined;

describe(claimTitle('SECRETS-02'), () => {
  test('finds a key planted in a copy of the captured logs in every encoding (positive control)', async ({
    env,
    evidence,
  }) => {
    const report = await sweepSinks(env, [makeCanary('openai')], { sinks: ['logs'] });
    const logs = report.sinks[0];
    if (logs && !logs.assessed) return evidence.notAssessed(logs.notAssessedReason ?? 'logs not captured');
    // An empty capture would make every sweep clean: the target must have logged its start-up.
    expect(logs?.bytes).toBeGreaterThan(0);
    await recordSweep(evidence, 'control sweep', report, { LOG_LEVEL: env.targetEnv.LOG_LEVEL ?? null });
    // the claim is about the most verbose level, where leaks live
    expect(env.targetEnv.LOG_LEVEL).toBe('debug');
    expect(report.controlsMissed).toEqual([]);
  });

  test.for(TRAFFIC_PATHS)(
    'keeps the key out of every log line on the path: $name',
    async (path, { env, mock, evidence }) => {
      session ??= await openTrafficSession(env);
      const providerKey = makeCanary(path.provider);
      const cursor = await mock.cursor();
      const outcome = await path.run(session, providerKey, makeCanaryPrompt().text);
      // the path really ran: its status, and (where the path goes upstream) the key reached the provider
      if (path.expectedStatus === null) expect(outcome.status).toBeGreaterThanOrEqual(200);
      else expect(outcome.status, outcome.note).toBe(path.expectedStatus);
      const carried = (await mock.requests({ since: cursor })).filter((r) =>
        JSON.stringify(r.headers).includes(providerKey),
      ).length;
      if (path.reachesUpstream) expect(carried).toBeGreaterThan(0);
      const report = await sweepSinks(env, [providerKey], { sinks: ['logs'] });
      if (report.notAssessed.length > 0) return evidence.notAssessed(report.notAssessed[0]?.reason ?? '');
      await recordSweep(evidence, path.name, report, {
        path: path.name,
        status: outcome.status,
        note: outcome.note ?? null,
        key: fingerprint(providerKey),
        upstreamRequestsCarryingKey: carried,
      });
      expect(report.controlsMissed).toEqual([]);
      expect(report.findings).toEqual([]);
    },
  );

  test('keeps the key out of the logs of a replica SIGTERMed mid-stream (a replica this test starts)', async ({
    env,
    evidence,
  }) => {
    const unavailable = spareReplicaUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    session ??= await openTrafficSession(env);
    const providerKey = makeCanary('openai');
    const outcome = await restartMidStream(env, session, providerKey, makeCanaryPrompt().text);
    expect(outcome.status).toBe(200);
    expect(outcome.replica.hasExited()).toBe(true);
    const report = await sweepSinks(env, [providerKey], {
      sinks: ['logs'],
      extraLogFiles: outcome.replica.logFiles,
    });
    await recordSweep(evidence, 'SIGTERM mid-stream', report, {
      note: outcome.note ?? null,
      key: fingerprint(providerKey),
      replicaLogs: outcome.replica.logFiles,
    });
    expect(report.controlsMissed).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  afterAll(async () => {
    await session?.close();
  });
});

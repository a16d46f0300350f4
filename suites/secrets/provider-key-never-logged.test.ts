// SECRETS-02: the provider key is never logged — every byte the target wrote is swept for the canary in every encoding, on every path.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { spareReplicaUnavailable } from '../../harness/probes/spare-replica.ts';
import { recordSweep, requireUsableSweep, sweepSinks } from '../../harness/probes/sweep.ts';
import { precondition } from '../../harness/verdict.ts';
import {
  makeCanaryPrompt,
  openTrafficSession,
  restartMidStream,
  TRAFFIC_PATHS,
  type TrafficSession,
} from './leak-traffic.ts';
import { runPath } from './traffic-run.ts';

let session: TrafficSession | undefined;

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
      session ??= await openTrafficSession(env);
      const providerKey = makeCanary(path.provider);
      const cursor = await mock.cursor();
      // a path that throws (a cut connection, a refused set-up) still sent what it sent: sweep anyway
      const outcome = await runPath(() =>
        path.run(session as TrafficSession, providerKey, makeCanaryPrompt().text),
      );
      const carried = (await mock.requests({ since: cursor })).filter((r) =>
        JSON.stringify(r.headers).includes(providerKey),
      ).length;
      const report = await sweepSinks(env, [providerKey], { sinks: ['logs'] });
      await recordSweep(evidence, path.name, report, {
        path: path.name,
        status: outcome.status,
        note: outcome.note ?? null,
        error: outcome.error,
        key: fingerprint(providerKey),
        upstreamRequestsCarryingKey: carried,
      });
      expect(report.findings).toEqual([]);
      if (report.notAssessed.length > 0) return evidence.notAssessed(report.notAssessed[0]?.reason ?? '');
      requireUsableSweep(report);
      // the path really ran: its status, and (where the path goes upstream) the key reached the provider
      precondition(outcome.error === null, `the path ${path.name} did not finish: ${outcome.error}`);
      precondition(
        path.expectedStatus === null ? outcome.status >= 200 : outcome.status === path.expectedStatus,
        `the path ${path.name} answered ${outcome.status}, expected ${path.expectedStatus ?? 'any answer'} (${outcome.note ?? ''})`,
      );
      precondition(
        !path.reachesUpstream || carried > 0,
        `the path ${path.name} never reached the mock provider with the key`,
      );
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
    const replicaLogs: string[] = [];
    // the replica may drain or stop at once: a stream it cuts is allowed (recorded in the note)
    const outcome = await runPath(() =>
      restartMidStream(env, session as TrafficSession, providerKey, makeCanaryPrompt().text, (replica) => {
        replicaLogs.push(...replica.logFiles);
      }),
    );
    precondition(replicaLogs.length > 0, `the spare replica did not start: ${outcome.error}`);
    const report = await sweepSinks(env, [providerKey], { sinks: ['logs'], extraLogFiles: replicaLogs });
    await recordSweep(evidence, 'SIGTERM mid-stream', report, {
      note: outcome.note ?? null,
      cut: outcome.cut ?? null,
      error: outcome.error,
      key: fingerprint(providerKey),
      replicaLogs,
    });
    expect(report.findings).toEqual([]);
    requireUsableSweep(report);
    precondition(outcome.error === null, `the SIGTERM path did not finish: ${outcome.error}`);
    precondition(outcome.status === 200, `the stream to the spare replica answered ${outcome.status}`);
  });

  afterAll(async () => {
    await session?.close();
  });
});

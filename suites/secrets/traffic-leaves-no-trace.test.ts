// SECRETS-02, -03, -04, -05, -07: one leak-traffic run (every path at once, its file writes traced), one sweep of every sink for every path's key, prompt and completion, one heap snapshot; each claim judges its own secrets in its own sinks.

import { afterAll } from 'vitest';
import type { MockControlClient } from '../../fixtures/mock-upstreams.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { spareReplicaUnavailable } from '../../harness/probes/spare-replica.ts';
import {
  narrowReport,
  recordSweep,
  requireUsableSweep,
  type SinkName,
  type SweepReport,
  sweepSinks,
} from '../../harness/probes/sweep.ts';
import { precondition } from '../../harness/verdict.ts';
import { openTrafficSession, TRAFFIC_PATHS, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import {
  captureWritesOf,
  contentOf,
  providerKeyLabel,
  providerKeysOf,
  RESTART_PATH,
  requireTrafficOnPlan,
  runAllPaths,
  settleUsage,
  type TrafficRun,
  trafficEvidence,
} from './traffic-run.ts';

/** The first test to ask runs the traffic and the sweep; on a loaded machine that can take a while. */
const SHARED_TIMEOUT_MS = 180_000;

const isKey = (label: string | null) => label?.startsWith(providerKeyLabel('')) ?? false;
const isContent = (label: string | null) =>
  label !== null && (label.startsWith('prompt ') || label.startsWith('completion marker, '));

interface SharedTraffic {
  run: TrafficRun;
  /** the tenant's usage rows once they stopped growing (null: the usage API could not be read) */
  usageRows: number | null;
  /** every sink but the heap, swept for every path's key, prompt and completion */
  report: SweepReport;
}

let session: TrafficSession | undefined;
let shared: Promise<SharedTraffic> | undefined;

/**
 * Every path at once (each with its own canary key and prompt, the SIGTERM path after them) while
 * every file write of replica 0 is traced, then one sweep of the logs, the disk, the file writes, the
 * database rows and its statement log for every canary. Run by the first test that asks, read by each.
 */
function sharedTraffic(env: EnvironmentInfo, mock: MockControlClient): Promise<SharedTraffic> {
  shared ??= (async () => {
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    // files written and deleted during the traffic: every write replica 0 (the session's replica) makes
    const capture = await captureWritesOf(env);
    const run = await runAllPaths(env, session, mock);
    const writes = await capture.stop();
    // usage rows are written after the response: let them land (and reach the data files and the log)
    const usageRows = await settleUsage(session).catch(() => null);
    const report = await sweepSinks(env, [...providerKeysOf(run), ...contentOf(run)], {
      sinks: ['logs', 'disk', 'file-writes', 'db-rows', 'db-statement-log'],
      extraLogFiles: run.extraLogFiles,
      writes,
    });
    return { run, usageRows, report };
  })();
  return shared;
}

afterAll(async () => {
  await session?.close();
});

/**
 * A claim's share of the sweep: its secrets in its sinks. A leak found is the finding whatever else
 * happened; only then may a blind spot make it `not_assessed` or `error`, or traffic off its plan `error`.
 */
async function judge(
  evidence: {
    record(label: string, data: Record<string, unknown>): Promise<void>;
    positiveControl(label: string, data: Record<string, unknown>): Promise<void>;
    notAssessed(reason: string): void;
  },
  traffic: SharedTraffic,
  label: string,
  keep: { labels: (label: string | null) => boolean; sinks: readonly SinkName[] },
  requireUsageRows: boolean,
): Promise<void> {
  await evidence.record(
    'traffic: every provider, streaming or not, and every error path',
    trafficEvidence(traffic.run),
  );
  const report = narrowReport(traffic.report, keep);
  await recordSweep(evidence, label, report, { usageRowsOfTheTenant: traffic.usageRows });
  expect(report.findings).toEqual([]);
  if (report.notAssessed.length > 0)
    return evidence.notAssessed(report.notAssessed.map((n) => n.reason).join('; '));
  requireUsableSweep(report);
  requireTrafficOnPlan(traffic.run);
  if (requireUsageRows)
    precondition(
      traffic.usageRows !== null && traffic.usageRows > 0,
      'the traffic left no usage row, so the target’s per-request writes were not exercised',
    );
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
    { timeout: SHARED_TIMEOUT_MS },
    async (path, { env, mock, evidence }) => {
      // every path ran at once, and one sweep looked for every path's key: this test reads its own path
      const { run, report } = await sharedTraffic(env, mock);
      const ran = run.paths.find((p) => p.name === path.name);
      precondition(ran !== undefined, `the traffic run has no path ${path.name}`);
      const own = narrowReport(report, { labels: (l) => l === providerKeyLabel(path.name), sinks: ['logs'] });
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

  test('keeps the key out of the logs of a replica SIGTERMed mid-stream (a replica this test starts)', {
    timeout: SHARED_TIMEOUT_MS,
  }, async ({ env, mock, evidence }) => {
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
    const own = narrowReport(report, {
      labels: (l) => l === providerKeyLabel(RESTART_PATH),
      sinks: ['logs'],
    });
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
});

/** One claim's test over the shared sweep: its secrets in its sinks (see judge). */
function sweepTest(
  name: string,
  label: string,
  keep: { labels: (label: string | null) => boolean; sinks: readonly SinkName[] },
  requireUsageRows: boolean,
): void {
  test(name, { timeout: SHARED_TIMEOUT_MS }, async ({ env, mock, evidence }) => {
    await judge(evidence, await sharedTraffic(env, mock), label, keep, requireUsageRows);
  });
}

describe(claimTitle('SECRETS-03'), () => {
  sweepTest(
    'keeps every path’s key out of every file the target or its database wrote',
    'disk',
    { labels: isKey, sinks: ['disk', 'file-writes'] },
    false,
  );
});

describe(claimTitle('SECRETS-04'), () => {
  sweepTest(
    'keeps every path’s key out of every row and every logged statement',
    'database rows and statement log',
    { labels: isKey, sinks: ['db-rows', 'db-statement-log'] },
    true,
  );
});

describe(claimTitle('SECRETS-07'), () => {
  sweepTest(
    'keeps every path’s prompt and completion out of the database, its log, the disk and the logs',
    'prompts and completions',
    { labels: isContent, sinks: ['db-rows', 'db-statement-log', 'disk', 'logs', 'file-writes'] },
    true,
  );
});

describe(claimTitle('SECRETS-05'), () => {
  test('holds none of the keys it forwarded in its heap once the requests are over', {
    timeout: SHARED_TIMEOUT_MS,
  }, async ({ env, mock, evidence }) => {
    const replica = env.replicas[0];
    // process mode: the child's pid; containers mode: the container's main process as the host sees it
    if (env.mode === 'external' || replica?.pid == null)
      return evidence.notAssessed(
        `a heap snapshot needs a target process the harness started (mode ${env.mode})`,
      );
    // the session talks to replica 0 only, so its heap is the one that handled every key
    const { run } = await sharedTraffic(env, mock);
    await evidence.record('traffic through replica 0', trafficEvidence(run));
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

// Runs every path of the leak traffic at once, one canary key and one canary prompt per path, for the sweeps that follow.

import path from 'node:path';
import { completionMarkerOf } from '../../fixtures/mock-responses.ts';
import type { MockControlClient } from '../../fixtures/mock-upstreams.ts';
import { pollUntil } from '../../fixtures/poll.ts';
import { CONTAINER_PATHS } from '../../harness/containers/container-paths.ts';
import { bearer } from '../../harness/contract/client.ts';
import { UsageListSchema } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { messageOf } from '../../harness/errors.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { spareReplicaUnavailable } from '../../harness/probes/spare-replica.ts';
import type { ObservedResponse, SweepSecret } from '../../harness/probes/sweep.ts';
import { startWriteCapture, type WriteCapture } from '../../harness/probes/write-capture.ts';
import { precondition } from '../../harness/verdict.ts';
import {
  makeCanaryPrompt,
  type Outcome,
  restartMidStream,
  TRAFFIC_PATHS,
  type TrafficSession,
} from './leak-traffic.ts';

export interface PathRun {
  name: string;
  expectedStatus: number | null;
  status: number;
  note: string | null;
  /** the connection ended before the client hung up (allowed traffic, recorded) */
  cut: string | null;
  providerKey: string;
  prompt: { text: string; marker: string };
  /** the marker the mock puts in its answer to this prompt, for paths that reach the provider */
  completionMarker: string | null;
  upstreamRequestsCarryingKey: number;
  reachesUpstream: boolean;
  /** every response the path got (the 429 path: the admitted ones and the 429) */
  responses: ObservedResponse[];
  /** the path threw before it finished (what it sent still happened, and is swept) */
  error: string | null;
}

/** Runs one path; a path that throws becomes an outcome with status 0 and the error, so the sweeps still run. */
export async function runPath(run: () => Promise<Outcome>): Promise<Outcome & { error: string | null }> {
  try {
    return { ...(await run()), error: null };
  } catch (error) {
    return { status: 0, responses: [], error: messageOf(error) };
  }
}

export const RESTART_PATH = 'SIGTERM of a replica mid-stream (a replica the test starts)';

export interface TrafficRun {
  paths: PathRun[];
  /** log files of the replica the restart path started (swept with the others) */
  extraLogFiles: string[];
  /** why the restart path did not run, when it didn't */
  restartSkipped: string | null;
  /** wall time of the whole run, every path and the restart path */
  durationMs: number;
}

/** Every path concurrently (each has its own key and rate-limit budget), then the restart path. */
export async function runAllPaths(
  env: EnvironmentInfo,
  session: TrafficSession,
  mock: MockControlClient,
): Promise<TrafficRun> {
  const started = performance.now();
  const cursor = await mock.cursor();
  const planned = TRAFFIC_PATHS.map((path) => ({
    path,
    providerKey: makeCanary(path.provider),
    prompt: makeCanaryPrompt(),
  }));
  const outcomes = await Promise.all(
    planned.map(({ path, providerKey, prompt }) =>
      runPath(() => path.run(session, providerKey, prompt.text)),
    ),
  );
  const runs = planned.map(({ path, providerKey, prompt }, i): PathRun => {
    const outcome = outcomes[i] as Outcome & { error: string | null };
    return {
      name: path.name,
      expectedStatus: path.expectedStatus,
      status: outcome.status,
      note: outcome.note ?? null,
      cut: outcome.cut ?? null,
      providerKey,
      prompt,
      // the mock's answer to this prompt (the 429 path's admitted requests and the aborted stream got one too)
      completionMarker: path.reachesUpstream ? completionMarkerOf(prompt.text) : null,
      upstreamRequestsCarryingKey: 0,
      reachesUpstream: path.reachesUpstream,
      responses: outcome.responses,
      error: outcome.error,
    };
  });
  const extraLogFiles: string[] = [];
  const restartSkipped = spareReplicaUnavailable(env);
  if (restartSkipped === null) {
    const providerKey = makeCanary('openai');
    const prompt = makeCanaryPrompt();
    const outcome = await runPath(() =>
      restartMidStream(env, session, providerKey, prompt.text, (replica) => {
        // its logs are swept even when a later step of the path throws
        extraLogFiles.push(...replica.logFiles);
      }),
    );
    runs.push({
      name: RESTART_PATH,
      expectedStatus: 200,
      status: outcome.status,
      note: outcome.note ?? null,
      cut: outcome.cut ?? null,
      providerKey,
      prompt,
      completionMarker: completionMarkerOf(prompt.text),
      upstreamRequestsCarryingKey: 0,
      reachesUpstream: true,
      responses: outcome.responses,
      error: outcome.error,
    });
  }
  const received = await mock.requests({ since: cursor });
  for (const run of runs) {
    run.upstreamRequestsCarryingKey = received.filter((r) =>
      JSON.stringify(r.headers).includes(run.providerKey),
    ).length;
  }
  return { paths: runs, extraLogFiles, restartSkipped, durationMs: Math.round(performance.now() - started) };
}

/**
 * Starts capturing every file write of replica 0 (the one a traffic session talks to), with a control
 * file written and deleted under the same trace; in a mode without a target process, or without strace
 * or ptrace, the capture says why and the `file-writes` sink reports not_assessed.
 */
export async function captureWritesOf(env: EnvironmentInfo): Promise<WriteCapture> {
  const pid = env.replicas[0]?.pid ?? null;
  const control = env.dirs.tmpDir ?? env.dirs.dataDir;
  // process mode: the child the harness spawned; containers mode: the container's main process, seen
  // from the host (strace as root follows it into its namespaces)
  if (env.mode === 'external' || pid === null || control === null)
    return startWriteCapture(
      [],
      '/nonexistent',
      [],
      `a write capture needs a target process the harness started (mode ${env.mode})`,
    );
  return startWriteCapture([pid], path.resolve(control), [
    ...env.replicas.flatMap((r) => r.logFiles),
    // V8 heap snapshots the harness itself asks for (SIGUSR2, the heap sink of another check running
    // at the same time) land here; they are swept as the heap sink, not as files the target chose to write
    ...(env.dirs.diagnosticDir ? [`${path.resolve(env.dirs.diagnosticDir)}/`] : []),
    // the same mount as a container's process names it
    ...(env.mode === 'container' ? [`${CONTAINER_PATHS.diagnosticDir}/`] : []),
  ]);
}

/** Waits until the tenant's usage rows stop growing (they are written after each response). */
export async function settleUsage(session: TrafficSession): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  const rows = await pollUntil(
    async () => {
      const response = await session.client.send('/v1/usage?limit=500', { headers: bearer(session.token) });
      const count = UsageListSchema.parse(JSON.parse(response.body)).usage.length;
      if (count !== last) {
        last = count;
        stableSince = Date.now();
      }
      return count;
    },
    () => Date.now() - stableSince >= 1_000,
    10_000,
  );
  return rows;
}

/** The label a path's provider key carries in a sweep (and in its findings). */
export const providerKeyLabel = (pathName: string): string => `provider key, ${pathName}`;

/** The provider keys of a run, labelled by path, for a sweep. */
export function providerKeysOf(run: TrafficRun): SweepSecret[] {
  return run.paths.map((p) => ({ value: p.providerKey, label: providerKeyLabel(p.name) }));
}

/** Prompts (marker with fragments, whole text without) and completion markers of a run, labelled by path. */
export function contentOf(run: TrafficRun): SweepSecret[] {
  return run.paths.flatMap((p) => [
    { value: p.prompt.marker, label: `prompt marker, ${p.name}` },
    { value: p.prompt.text, label: `prompt text, ${p.name}`, fragments: false },
    ...(p.completionMarker ? [{ value: p.completionMarker, label: `completion marker, ${p.name}` }] : []),
  ]);
}

/** What the evidence says about the traffic: per path its status, and canaries by fingerprint only. */
export function trafficEvidence(run: TrafficRun): Record<string, unknown> {
  return {
    restartSkipped: run.restartSkipped,
    paths: run.paths.map((p) => ({
      path: p.name,
      status: p.status,
      expectedStatus: p.expectedStatus,
      note: p.note,
      providerKey: fingerprint(p.providerKey),
      prompt: fingerprint(p.prompt.text),
      completionMarker: p.completionMarker ? fingerprint(p.completionMarker) : null,
      upstreamRequestsCarryingKey: p.upstreamRequestsCarryingKey,
      error: p.error,
    })),
  };
}

/** Paths that did not run as planned: they threw, answered another status, or never reached the provider. */
export function pathsOffPlan(
  run: TrafficRun,
): Array<{ path: string; status: number; expected: number | null; error: string | null }> {
  return run.paths
    .filter(
      (p) =>
        p.error !== null ||
        (p.expectedStatus !== null && p.status !== p.expectedStatus) ||
        (p.reachesUpstream && p.upstreamRequestsCarryingKey === 0),
    )
    .map((p) => ({ path: p.name, status: p.status, expected: p.expectedStatus, error: p.error }));
}

/**
 * After the sweeps (a leak they found is `fail` whatever else happened): traffic that did not run as
 * planned leaves a clean sweep short of the claim, so the check is `error`, naming the paths.
 */
export function requireTrafficOnPlan(run: TrafficRun): void {
  const off = pathsOffPlan(run);
  precondition(
    off.length === 0,
    `traffic paths did not run as planned, so a clean sweep covers less than the claim: ${off
      .map(
        (p) =>
          `${p.path}: ${p.error ?? `status ${p.status}${p.expected === null ? '' : `, expected ${p.expected}`}`}`,
      )
      .join('; ')}`,
  );
}

/** The canary sweep every suite uses: one pass over every sink a target can leak into, beside a planted control per sink. */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { EnvironmentInfo } from '../environment-info.ts';
import { HarnessError } from '../errors.ts';
import { ControlPlant } from './control-plant.ts';
import { NeedleTable } from './needle-table.ts';
import { plantControlTable } from './sinks/database-sink.ts';
import { diskRoots, plantControlFiles } from './sinks/disk-sink.ts';
import { SINK_SWEEPS } from './sinks/sink-sweeps.ts';
import type { SweepContext } from './sweep-context.ts';
import type {
  ControlResult,
  SinkName,
  SinkReport,
  SweepFinding,
  SweepOptions,
  SweepReport,
  SweepSecret,
  SweptSource,
} from './sweep-types.ts';

export type * from './sweep-types.ts';
export { SINK_NAMES } from './sweep-types.ts';

const DEFAULT_SINKS: readonly SinkName[] = ['logs', 'disk', 'db-rows', 'db-statement-log'];
/**
 * Sweeps every sink a target can leak a secret into, for every form of every secret, in one pass
 * over each byte (a Wu-Manber matcher over all needles at once).
 *
 * ```ts
 * const report = await sweepSinks(env, [providerKey], { sinks: ['logs', 'disk'] });
 * await recordSweep(evidence, 'after the 401 echo', report); // evidence + a positive control per sink
 * expect(report.controlsMissed).toEqual([]); // each sink saw its planted canary in every embedding
 * expect(report.findings).toEqual([]);       // …and none of ours
 * ```
 *
 * Before reading, the sweep plants a control canary per embedding in each sink, for real: a file
 * in DATA_DIR, TMPDIR and the working directory; a scratch table (text, jsonb, bytea, text[]) via
 * the admin URL, whose INSERT also reaches the statement log and, after CHECKPOINT, the data files
 * and the WAL; planted lines appended to a copy of the logs; a harness-made response; for the heap,
 * a Node process holding the embeddings plus the target's own live JWT_SECRET. It removes what it
 * planted afterwards. `report.controlsMissed` lists any sink whose control was not found in every
 * embedding: a clean result from it means nothing. A sink the mode cannot read is in
 * `report.notAssessed` with the reason, never silently clean. Evidence names secrets by fingerprint.
 */
export async function sweepSinks(
  env: EnvironmentInfo,
  secrets: readonly SweepSecret[],
  options: SweepOptions = {},
): Promise<SweepReport> {
  const startedAt = performance.now();
  const sinks = options.sinks ?? (options.responses ? [...DEFAULT_SINKS, 'responses'] : DEFAULT_SINKS);
  const control = options.positiveControl === false ? null : (options.writes?.control ?? new ControlPlant());
  const table = new NeedleTable(secrets, {
    utf16: false,
    extraForms: options.extraForms,
    ...(control ? { controls: control.canaries } : {}),
  });
  const needsDb = sinks.some((s) => s === 'disk' || s === 'db-rows' || s === 'db-statement-log');
  const db =
    needsDb && env.database.adminUrl ? new pg.Client({ connectionString: env.database.adminUrl }) : null;
  const undo: Array<() => Promise<void>> = [];
  const ctx: SweepContext = { env, options, table, control, db, plantedTable: null, plantedFiles: new Map() };
  try {
    if (db) {
      await db.connect();
      undo.push(() => db.end());
      if (control) {
        const planted = await plantControlTable(db, control);
        ctx.plantedTable = planted.table;
        undo.unshift(planted.drop);
      }
    }
    if (control && sinks.includes('disk')) {
      const planted = await plantControlFiles(diskRoots(env, options.extraLogFiles ?? []).roots, control);
      ctx.plantedFiles = planted.files;
      undo.push(planted.remove);
    }
    const reports: SinkReport[] = [];
    for (const sink of sinks) {
      const sinkStartedAt = performance.now();
      const report = await SINK_SWEEPS[sink](ctx, secrets);
      report.durationMs = Math.round(performance.now() - sinkStartedAt);
      reports.push(report);
    }
    return {
      secrets: table.describeSecrets(),
      sinks: reports,
      findings: reports.flatMap((r) => r.findings),
      controlsMissed: reports.flatMap((r) =>
        r.controls
          .filter((c) => c.missed.length > 0)
          .map((c) => ({ sink: r.sink, where: c.where, missed: c.missed })),
      ),
      notAssessed: reports
        .filter((r) => !r.assessed)
        .map((r) => ({ sink: r.sink, reason: r.notAssessedReason ?? 'unknown' })),
      unusable: reports.flatMap((r) => [
        ...r.unreadable.map((u) => ({ sink: r.sink, reason: `${u.location} could not be read: ${u.error}` })),
        ...(r.liveness ?? [])
          .filter((l) => l.problem !== null)
          .map((l) => ({ sink: r.sink, reason: l.problem as string })),
      ]),
      bytesRead: reports.reduce((sum, r) => sum + r.bytes, 0),
      durationMs: Math.round(performance.now() - startedAt),
    };
  } finally {
    for (const step of undo) await step().catch(() => undefined);
  }
}

/**
 * After the findings were checked (a leak found is `fail` whatever else happened): a sweep whose
 * planted controls were missed, or that could not read a sink (a file or table it could not read,
 * an empty log capture, a capture with no line the target wrote for a harness request), proves
 * nothing clean, so the check is `error` with the reasons.
 */
export function requireUsableSweep(report: SweepReport): void {
  if (report.unusable.length > 0)
    throw new HarnessError(
      'HARNESS_ERR_SINK_UNREADABLE',
      report.unusable.map((u) => `${u.sink}: ${u.reason}`).join('; '),
    );
  if (report.controlsMissed.length > 0)
    throw new HarnessError(
      'HARNESS_ERR_PRECONDITION_UNMET',
      `the sweep missed its own planted canaries, so a clean result proves nothing: ${report.controlsMissed
        .map((c) => `${c.sink} (${c.where}): ${c.missed.join(', ')}`)
        .join('; ')}`,
    );
}

/**
 * The report narrowed to some secrets (by label) and some sinks: their findings, controls and blind
 * spots only. One sweep for many secrets and sinks serves many checks, each judging its own.
 */
export function narrowReport(
  report: SweepReport,
  keep: { labels: (label: string | null) => boolean; sinks?: readonly SinkName[] },
): SweepReport {
  const inSinks = (sink: SinkName) => keep.sinks === undefined || keep.sinks.includes(sink);
  const own = (finding: SweepFinding) => keep.labels(finding.label) && inSinks(finding.sink);
  const sinks = report.sinks
    .filter((sink) => inSinks(sink.sink))
    .map((sink) => ({ ...sink, findings: sink.findings.filter(own) }));
  return {
    ...report,
    secrets: report.secrets.filter((secret) => keep.labels(secret.label)),
    sinks,
    findings: report.findings.filter(own),
    controlsMissed: report.controlsMissed.filter((c) => inSinks(c.sink)),
    notAssessed: report.notAssessed.filter((n) => inSinks(n.sink)),
    unusable: report.unusable.filter((u) => inSinks(u.sink)),
    bytesRead: sinks.reduce((sum, sink) => sum + sink.bytes, 0),
  };
}

/** How many source entries per sink the evidence lists by name (the rest are summarised by count and digest). */
const EVIDENCE_SOURCES_PER_SINK = 40;

/** A compact, secret-free summary of a report for evidence: per sink what was read, its controls and findings. */
export function sweepEvidence(report: SweepReport): Record<string, unknown> {
  return {
    secrets: report.secrets,
    bytesRead: report.bytesRead,
    durationMs: report.durationMs,
    findings: report.findings,
    notAssessed: report.notAssessed,
    unusable: report.unusable,
    sinks: report.sinks.map((sink) => ({
      sink: sink.sink,
      assessed: sink.assessed,
      scope: sink.scope,
      bytes: sink.bytes,
      durationMs: sink.durationMs,
      sourceCount: sink.sources.length,
      // one digest over every (location, sha256) pair, so the full list is reproducible without listing it
      sourcesDigest: createHash('sha256')
        .update(sink.sources.map((s: SweptSource) => `${s.location}\0${s.sha256 ?? s.rows ?? ''}`).join('\n'))
        .digest('hex'),
      sources: sink.sources.slice(0, EVIDENCE_SOURCES_PER_SINK),
      unreadable: sink.unreadable,
      ...(sink.liveness ? { liveness: sink.liveness } : {}),
      findings: sink.findings.length,
    })),
  };
}

/** The controls of a report, as the evidence's positive-control entry. */
export function sweepControls(report: SweepReport): Record<string, unknown> {
  return {
    controlsMissed: report.controlsMissed,
    controls: report.sinks.flatMap((sink) =>
      sink.controls.map((c: ControlResult) => ({ sink: sink.sink, ...c })),
    ),
  };
}

/** Records a sweep: its controls as a positive control, what was read and found as evidence. */
export async function recordSweep(
  evidence: {
    record(label: string, data: Record<string, unknown>): Promise<void>;
    positiveControl(label: string, data: Record<string, unknown>): Promise<void>;
  },
  label: string,
  report: SweepReport,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await evidence.positiveControl(
    `${label}: canaries planted in every sink, found in every embedding`,
    sweepControls(report),
  );
  await evidence.record(`${label}: sinks swept`, { ...extra, ...sweepEvidence(report) });
}

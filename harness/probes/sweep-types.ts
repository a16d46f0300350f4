/** The shapes a canary sweep takes and returns (see sweep.ts for the entry point). */
import type { CanaryForm } from './canary.ts';
import type { LogLiveness } from './log-liveness.ts';
import type { CapturedWrites } from './write-capture.ts';

export const SINK_NAMES = [
  'logs',
  'disk',
  'db-rows',
  'db-statement-log',
  'heap',
  'responses',
  'file-writes',
] as const;
/**
 * - `logs`: every byte each replica wrote to stdout/stderr (EnvironmentInfo replicas[].logFiles)
 * - `disk`: every file under DATA_DIR, TMPDIR and the Postgres data directory (WAL included, after
 *   CHECKPOINT and pg_switch_wal()), and the files under the target's working directory modified
 *   since the environment started (the harness's own log captures excluded)
 * - `db-rows`: every column of every row of every table in every non-system schema
 * - `db-statement-log`: the Postgres log with log_statement=all
 * - `heap`: a V8 heap snapshot of each Node target process, taken after a full GC (process mode)
 * - `responses`: the HTTP responses (status line, headers, body) the caller passes in
 * - `file-writes`: every byte the target process wrote to any file while traffic ran (strace), files
 *   written and deleted again included (the caller passes the capture, write-capture.ts)
 */
export type SinkName = (typeof SINK_NAMES)[number];

/**
 * What to look for. A plain string is searched in every form of `canaryForms`, fragments included;
 * `fragments: false` leaves out the 16-character fragments (for text whose pieces are not unique,
 * e.g. the faker words of a prompt: sweep its unique marker with fragments beside it).
 */
export type SweepSecret = string | { value: string; label?: string; fragments?: boolean };

/** An HTTP response a suite received; `TargetResponse` of the contract client fits. */
export interface ObservedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  request?: { method: string; url: string };
}

export interface SweepOptions {
  /** default: logs, disk, db-rows, db-statement-log, plus responses when `responses` is given; heap only when asked */
  sinks?: readonly SinkName[];
  /** more forms per secret (AUTH-02: reversed, case-swapped, …), searched in every sink */
  extraForms?: (secret: string) => CanaryForm[];
  /** the responses the `responses` sink sweeps */
  responses?: readonly ObservedResponse[];
  /** the `file-writes` sink: what startWriteCapture saw (its control canaries become the sweep's control) */
  writes?: CapturedWrites;
  /** log files beyond the environment's replicas (a replica the test started itself) */
  extraLogFiles?: readonly string[];
  /** heap sink: the pids to snapshot (default: every replica of the environment) */
  heapPids?: readonly number[];
  /** default true: plant a canary in each sink for real and report whether every form was found */
  positiveControl?: boolean;
}

/** Something that was read: a file (bytes and SHA-256) or a table (rows). */
export interface SweptSource {
  location: string;
  bytes: number;
  sha256?: string;
  rows?: number;
}

export interface SweepFinding {
  sink: SinkName;
  /** file path, `schema.table row <ctid>`, `response #3 body`, … */
  location: string;
  /** sha256 fingerprint of the secret, never its value */
  secret: string;
  label: string | null;
  form: string;
  /** byte offset of the first occurrence of this form in the location */
  offset: number;
  occurrences: number;
}

/** One planted canary, per embedding (encoding) of it, and whether the sweep saw each. */
export interface ControlResult {
  /** where it was planted, for real: a file, a scratch table, a statement, a copy of the logs, a process */
  where: string;
  canaries: string[];
  expected: string[];
  found: Record<string, string[]>;
  missed: string[];
}

export interface SinkReport {
  sink: SinkName;
  assessed: boolean;
  /** why the sink could not be read in this mode (assessed: false) */
  notAssessedReason: string | null;
  /** what the sweep covered, in words (scope, exclusions, how the snapshot was taken) */
  scope: string;
  sources: SweptSource[];
  bytes: number;
  /** files or tables that could not be read (a sink with any is not clean) */
  unreadable: Array<{ location: string; error: string }>;
  controls: ControlResult[];
  findings: SweepFinding[];
  durationMs: number;
  /** logs: per capture, the marker the target itself wrote (proof the capture is live), or the problem */
  liveness?: LogLiveness[];
}

export interface SweepReport {
  secrets: Array<{ fingerprint: string; label: string | null; forms: number }>;
  sinks: SinkReport[];
  findings: SweepFinding[];
  /** sinks whose positive control missed an embedding: their clean result means nothing */
  controlsMissed: Array<{ sink: SinkName; where: string; missed: string[] }>;
  notAssessed: Array<{ sink: SinkName; reason: string }>;
  /**
   * why a sink's clean result proves nothing: a file or table it could not read, an empty or missing
   * log capture, a log capture with no line the target itself wrote for a harness request
   */
  unusable: Array<{ sink: SinkName; reason: string }>;
  bytesRead: number;
  durationMs: number;
}

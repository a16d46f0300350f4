// HarnessError and the catalogue of its codes; docs/errors.md lists the same codes.

/**
 * Every code the harness throws, with a one-line meaning. docs/errors.md holds the same table:
 * a unit test fails when the two drift apart.
 */
export const ERROR_CODES = {
  HARNESS_ERR_MANIFEST_NOT_FOUND: 'the target manifest file does not exist or cannot be read',
  HARNESS_ERR_MANIFEST_UNPARSEABLE: 'the target manifest is not valid YAML or JSON',
  HARNESS_ERR_MANIFEST_INVALID: 'the target manifest does not match the schema of contract §3',
  HARNESS_ERR_SETTINGS_INVALID: 'a HARNESS_* environment variable has an invalid value',
  HARNESS_ERR_MODE_UNAVAILABLE:
    'the run mode asked for cannot start on this machine (no Docker engine, images missing, or a mode that does not match the manifest)',
  HARNESS_ERR_CONTAINER_START_FAILED:
    'a container, network or image of the containers mode could not be started or found',
  HARNESS_ERR_MUTANT_UNSUPPORTED: 'a mutant was requested but the manifest has no run.process.mutantCommand',
  HARNESS_ERR_PORT_UNAVAILABLE: 'no free loopback port could be reserved',
  HARNESS_ERR_CERTS_FAILED: 'the per-run test CA or a certificate could not be created or written',
  HARNESS_ERR_POSTGRES_START_FAILED: 'embedded Postgres did not initialise or start',
  HARNESS_ERR_POSTGRES_SETUP_FAILED: "the target's login role or database could not be created",
  HARNESS_ERR_POSTGRES_LOG_MISSING:
    'the Postgres statement log does not record statements (log_statement=all)',
  HARNESS_ERR_POSTGRES_STOP_FAILED: 'embedded Postgres did not stop',
  HARNESS_ERR_MOCK_START_FAILED: 'the mock upstream providers or their control API could not listen',
  HARNESS_ERR_MOCK_CONTROL_FAILED:
    'the mock upstream control API answered with an error or an unexpected body',
  HARNESS_ERR_TARGET_START_FAILED: 'the target process could not be spawned',
  HARNESS_ERR_TARGET_EXITED: 'the target process exited before it answered GET /health',
  HARNESS_ERR_TARGET_UNREACHABLE: 'the target did not answer GET /health with 200 over HTTPS in time',
  HARNESS_ERR_TARGET_STOP_FAILED: 'the target process survived SIGTERM and SIGKILL',
  HARNESS_ERR_CHROMIUM_MISSING:
    'no Chromium binary where the browser checks look (HARNESS_CHROMIUM or /usr/bin/chromium)',
  HARNESS_ERR_NSS_TOOLS_MISSING:
    'certutil (libnss3-tools) could not make the NSS database that trusts the test CA',
  HARNESS_ERR_ENVIRONMENT_STOP_FAILED: 'one or more parts of the environment failed to stop or clean up',
  HARNESS_ERR_TLS_PROBE_FAILED:
    'the TLS probe got no TLS answer from an endpoint (unreachable, timed out, or not speaking TLS)',
  HARNESS_ERR_TLS_PROBE_BLIND:
    'the TLS probe could not offer a protocol or suite, or missed it on the deliberately weak server',
  HARNESS_ERR_DB_INSPECTOR_BLIND:
    'the database inspector missed a deliberately bad object of its positive control, or could not make one',
  HARNESS_ERR_PROBE_BLIND:
    'a probe missed the effect its positive control planted, so its negative result proves nothing',
  HARNESS_ERR_HEAP_SNAPSHOT_FAILED:
    'a target process did not write a complete V8 heap snapshot after SIGUSR2 (--heapsnapshot-signal) in time',
  HARNESS_ERR_SPARE_REPLICA_UNAVAILABLE:
    'a test asked for a replica of its own, which this mode cannot start',
  HARNESS_ERR_TIMING_INCONCLUSIVE:
    'a timing check could not reach the sensitivity it requires within its time budget (the machine was too noisy)',
  HARNESS_ERR_CHECK_OVER_BUDGET: 'a bounded check could not do the work it needs within its time budget',
  HARNESS_ERR_PRECONDITION_UNMET:
    'a check needs something of the target or the run that is not there (a sample too small, a state it could not reach); it proves nothing',
  HARNESS_ERR_TARGET_REFUSED_SETUP:
    'the target refused a set-up step a check builds on (signup, login, a key, a request the contract lets it refuse)',
  HARNESS_ERR_SINK_UNREADABLE:
    'a sink a sweep must read (a log, a file, a table) was missing, empty or unreadable, so a clean sweep would prove nothing',
} as const;

export type HarnessErrorCode = keyof typeof ERROR_CODES;

export const HARNESS_ERROR_CODES = Object.keys(ERROR_CODES) as HarnessErrorCode[];

/**
 * An error the harness raises on purpose. The message says what failed, with what, after how
 * long, and what to do; it starts with the code so a CLI or a vitest banner shows it verbatim.
 */
export class HarnessError extends Error {
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}

export function isHarnessError(error: unknown, code?: HarnessErrorCode): error is HarnessError {
  return error instanceof HarnessError && (code === undefined || error.code === code);
}

/** `3.1 s` or `450 ms`: durations in messages and progress lines. */
export function formatDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** The last `count` non-empty lines of a text, for error messages that quote a log. */
export function lastLines(text: string, count: number): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

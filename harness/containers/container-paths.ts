// Where a target container finds what the harness mounts or copies into it (also read by suites that exclude the harness's own files).

/** Where the target finds what the harness gives it inside its container. */
export const CONTAINER_PATHS = {
  certDir: '/run/harness/certs',
  dataDir: '/var/lib/harness/data',
  tmpDir: '/var/lib/harness/tmp',
  /** bind-mounted from the run's scratch dir: V8 heap snapshots the harness asks for land here */
  diagnosticDir: '/var/lib/harness/diagnostics',
} as const;

/** The coordinates of a started environment, as globalSetup provides them to every test worker. */
import { z } from 'zod';

export const PROVIDERS = ['openai', 'anthropic', 'google'] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export type Provider = z.infer<typeof ProviderSchema>;

export const ReplicaInfoSchema = z.object({
  /** `https://127.0.0.1:<port>` */
  httpsUrl: z.string(),
  /** `http://127.0.0.1:<port>` */
  httpUrl: z.string(),
  httpsPort: z.number().int(),
  httpPort: z.number().int(),
  /** process mode only: the target's pid (heap snapshots, signals); null otherwise */
  pid: z.number().int().nullable(),
  /** files holding every byte the replica wrote to stdout and stderr; [] when the mode cannot capture logs */
  logFiles: z.array(z.string()),
});
export type ReplicaInfo = z.infer<typeof ReplicaInfoSchema>;

export const UpstreamInfoSchema = z.object({
  /** origin given to the target, e.g. `https://127.0.0.1:41234` */
  url: z.string(),
});

export const EnvironmentInfoSchema = z.object({
  runId: z.string(),
  targetName: z.string(),
  mode: z.enum(['process', 'container', 'external']),
  /** the manifest path the run was started from */
  manifestPath: z.string(),
  /** the mutant the target runs, when the mutant runner started it; null for a real target */
  mutant: z.string().nullable(),
  /** replica 0 is the one suites talk to unless they need a second one */
  replicas: z.array(ReplicaInfoSchema).min(1),
  /** PEM of the test CA: it signs the target's certificate and the mock upstreams' certificates */
  caPem: z.string(),
  /** a name the target's certificate holds besides localhost and 127.0.0.1 (browser checks map it to loopback) */
  tlsHostname: z.string(),
  upstreams: z.object({
    openai: UpstreamInfoSchema,
    anthropic: UpstreamInfoSchema,
    google: UpstreamInfoSchema,
  }),
  /** plain-HTTP control API of the mock upstreams on loopback (recorded requests, revoked keys) */
  mockControlUrl: z.string().nullable(),
  database: z.object({
    /** superuser URL of the target's database; null when the harness has none (external target without adminUrl) */
    adminUrl: z.string().nullable(),
    schemas: z.array(z.string()),
    tenantRole: z.string(),
    tenantContext: z.union([z.literal('supabase-jwt-claims'), z.object({ guc: z.string() })]),
    /** Postgres server log with log_statement=all; null when not readable in this mode */
    statementLogFile: z.string().nullable(),
    /** Postgres data directory (WAL included); null when not readable in this mode */
    dataDir: z.string().nullable(),
  }),
  /** directories the target may write to; null when not readable in this mode */
  dirs: z.object({
    dataDir: z.string().nullable(),
    tmpDir: z.string().nullable(),
    workDir: z.string().nullable(),
    /** where the target's Node writes heap snapshots on SIGUSR2 (`--diagnostic-dir`); null when the mode has none */
    diagnosticDir: z.string().nullable(),
  }),
  /** containers mode: what ran (the report records the image digest); absent in the other modes */
  container: z
    .object({
      image: z.string(),
      /** `sha256:...` image id, or the repo digest when the image came from a registry */
      imageDigest: z.string(),
      postgresImage: z.string(),
      /** Docker ids of the replicas, in replica order (writable-layer sweeps: docker diff + archive) */
      replicaIds: z.array(z.string()),
      /** host dir of the run's test CA and the target's certificate and key (spare containers copy them) */
      certDir: z.string(),
    })
    .optional(),
  /** ISO 8601: when the provider began starting the target (disk sweeps of workDir take files modified since) */
  startedAt: z.string(),
  /** backend secrets generated for this run as canaries (never printed by the harness) */
  secrets: z.object({ jwtSecret: z.string(), apiKeyPepper: z.string(), dbPassword: z.string() }).nullable(),
  accounts: z.union([z.literal('signup'), z.array(z.object({ email: z.string(), password: z.string() }))]),
  /** the environment variables the target was given (secrets included): a mode or test may need them */
  targetEnv: z.record(z.string(), z.string()),
});
export type EnvironmentInfo = z.infer<typeof EnvironmentInfoSchema>;

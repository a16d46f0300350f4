/** The evidence report's JSON shape (zod): what the reporter writes, what the mutant runner and `verify` read back. */
import { z } from 'zod';
import { ResultStateSchema } from '../claims.ts';

/**
 * The version the reporter writes. Fields added in version 2 are optional so version 1 reports still parse;
 * the reporter always writes them.
 */
export const EVIDENCE_SCHEMA_VERSION = 2;

export const EvidenceItemSchema = z.object({
  kind: z.enum(['evidence', 'positive_control', 'not_assessed', 'note']),
  label: z.string(),
  data: z.unknown(),
});

export const CheckResultSchema = z.object({
  /** the test's full title */
  title: z.string(),
  /** the test file, relative to the repository root */
  file: z.string(),
  /** 1-based line of the test in `file` (null when vitest did not record locations) */
  line: z.number().int().nullable().optional(),
  column: z.number().int().nullable().optional(),
  result: ResultStateSchema,
  durationMs: z.number(),
  /** the assertion or error message when the check did not pass */
  messages: z.array(z.string()),
  evidence: z.array(EvidenceItemSchema),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** A mutant of the reference proxy that a claim names, with what the last kill matrix said about it. */
export const ClaimMutantSchema = z.object({
  mutant: z.string(),
  /** killed | survived | broken from the matrix, or `not run` when the matrix did not include it */
  verdict: z.string(),
  /** this claim's result on the mutant in that matrix (`fail` is what proves the claim can fail) */
  result: z.string().nullable(),
});

export const ClaimResultSchema = z.object({
  id: z.string(),
  family: z.string(),
  claim: z.string(),
  proof: z.string(),
  refs: z.string(),
  /** `hardening` for claims the policy's in-scope list implies rather than states */
  section: z.enum(['policy', 'hardening']).optional(),
  mutants: z.array(z.string()),
  result: ResultStateSchema,
  /** why the claim is not `pass`, when the harness can say it in a line */
  reason: z.string().nullable(),
  /** false when this run's selection (mutant scope, file arguments, --claims) left every control of the claim out */
  ran: z.boolean().default(true),
  /** the manifest's reason when its owner accepts this claim as not assessed (acceptedNotAssessed) */
  accepted: z.string().nullable().default(null),
  /** labels of the positive controls its checks recorded (each check's own entries are in `checks[].evidence`) */
  positiveControls: z.array(z.string()).optional(),
  /** the mutants that prove the claim can fail, from the last kill matrix (null when no matrix was found) */
  mutantProof: z
    .object({
      /** the matrix.json read, relative to the repository root */
      matrix: z.string(),
      /** ISO 8601: when that matrix was written */
      date: z.string(),
      mutants: z.array(ClaimMutantSchema),
    })
    .nullable()
    .optional(),
  checks: z.array(CheckResultSchema),
});
export type ClaimResult = z.infer<typeof ClaimResultSchema>;

/** A file of the bundle; `path` is relative to the bundle's directory (v1: to the repository root). */
export const ArtifactSchema = z.object({ path: z.string(), bytes: z.number(), sha256: z.string() });

/** A log kept in the bundle: gzipped, in full where a claim did not pass, else its tail. */
export const KeptLogSchema = z.object({
  /** the gzipped file in the bundle, relative to the bundle's directory */
  path: z.string(),
  /** the log as the run wrote it (before redaction and compression) */
  originalBytes: z.number(),
  originalSha256: z.string(),
  kept: z.enum(['full', 'tail']),
  /** uncompressed bytes kept */
  keptBytes: z.number(),
});

export const ToolVersionSchema = z.object({
  name: z.string(),
  /** null when the tool is not installed or did not answer */
  version: z.string().nullable(),
  /** what was run or read to learn it */
  source: z.string(),
});

export const TargetSchema = z.object({
  name: z.string(),
  mode: z.string(),
  manifestPath: z.string(),
  /** SHA-256 of the manifest file's bytes */
  manifestSha256: z.string().nullable().optional(),
  mutant: z.string().nullable(),
  /** process mode: the argv that started it */
  command: z.array(z.string()).nullable().optional(),
  /** container mode: the image (or the build context) */
  image: z.string().nullable().optional(),
  /** container mode: the image's digest (sha256 id, or repo digest from a registry) */
  imageDigest: z.string().nullable().optional(),
  /** the URL the suites talked to */
  url: z.string().nullable().optional(),
  /** the body of the target's GET /version, null when it did not answer (see versionError) */
  version: z.unknown().optional(),
  versionError: z.string().nullable().optional(),
});

export const RedactionSchema = z.object({
  /** provider-key-shaped strings (the sweep's planted controls, test canaries) replaced by their fingerprint */
  fingerprinted: z.number().int(),
  /** backend secrets or run canaries found in the bundle: each one fails the run */
  findings: z.array(z.object({ file: z.string(), secret: z.string(), form: z.string(), count: z.number() })),
});

export const EvidenceReportSchema = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(2)]),
  runId: z.string(),
  generatedAt: z.string(),
  /** the harness that produced the report */
  harness: z
    .object({ version: z.string(), gitCommit: z.string().nullable(), gitDirty: z.boolean().nullable() })
    .nullable()
    .optional(),
  tools: z.array(ToolVersionSchema).optional(),
  target: TargetSchema.nullable(),
  /** ISO 8601 start and end of the test run, and its duration */
  startedAt: z.string().nullable().optional(),
  endedAt: z.string().nullable().optional(),
  durationMs: z.number().nullable().optional(),
  /** HARNESS_SEED when the run was seeded (faker, fast-check), so it replays */
  seed: z.string().nullable().optional(),
  summary: z.record(ResultStateSchema, z.number()),
  /** whether every suite file ran (a full gate) or only some (a selection), and which */
  selection: z
    .object({ complete: z.boolean(), files: z.array(z.string()) })
    .default({ complete: true, files: [] }),
  tests: z.object({ passed: z.number(), failed: z.number(), skipped: z.number() }),
  claims: z.array(ClaimResultSchema),
  /** tests that name no claim (harness self-checks) */
  unclaimed: z.array(CheckResultSchema),
  /** errors outside any test (a suite file that failed to load, an unhandled rejection, a bundle self-redaction hit) */
  runErrors: z.array(z.string()),
  /** every file of the bundle besides evidence.json, the renderings and the integrity files */
  artifacts: z.array(ArtifactSchema),
  logs: z.array(KeptLogSchema).optional(),
  integrity: z
    .object({
      /** SHA-256 of the previous bundle's manifest.sha256: bundles form a chain */
      prev: z.object({ runId: z.string().nullable(), manifestSha256: z.string() }).nullable(),
      redaction: RedactionSchema.nullable(),
    })
    .optional(),
});
export type EvidenceReport = z.infer<typeof EvidenceReportSchema>;

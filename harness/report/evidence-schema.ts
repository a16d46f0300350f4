/** The evidence report's JSON shape (zod): what the reporter writes and what the mutant runner reads back. */
import { z } from 'zod';
import { ResultStateSchema } from '../claims.ts';

export const EvidenceItemSchema = z.object({
  kind: z.enum(['evidence', 'positive_control', 'not_assessed', 'note']),
  label: z.string(),
  data: z.unknown(),
});

export const CheckResultSchema = z.object({
  /** the test's full title */
  title: z.string(),
  file: z.string(),
  result: ResultStateSchema,
  durationMs: z.number(),
  /** the assertion or error message when the check did not pass */
  messages: z.array(z.string()),
  evidence: z.array(EvidenceItemSchema),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const ClaimResultSchema = z.object({
  id: z.string(),
  family: z.string(),
  claim: z.string(),
  proof: z.string(),
  refs: z.string(),
  mutants: z.array(z.string()),
  result: ResultStateSchema,
  /** why the claim is not `pass`, when the harness can say it in a line */
  reason: z.string().nullable(),
  /** false when this run's selection (mutant scope, file arguments, --claims) left every control of the claim out */
  ran: z.boolean().default(true),
  /** the manifest's reason when its owner accepts this claim as not assessed (acceptedNotAssessed) */
  accepted: z.string().nullable().default(null),
  checks: z.array(CheckResultSchema),
});
export type ClaimResult = z.infer<typeof ClaimResultSchema>;

export const ArtifactSchema = z.object({ path: z.string(), bytes: z.number(), sha256: z.string() });

export const EvidenceReportSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  generatedAt: z.string(),
  target: z
    .object({
      name: z.string(),
      mode: z.string(),
      manifestPath: z.string(),
      mutant: z.string().nullable(),
      /** containers mode: the image and its digest (sha256 id, or repo digest from a registry) */
      image: z.string().optional(),
      imageDigest: z.string().optional(),
    })
    .nullable(),
  summary: z.record(ResultStateSchema, z.number()),
  /** whether every suite file ran (a full gate) or only some (a selection), and which */
  selection: z
    .object({ complete: z.boolean(), files: z.array(z.string()) })
    .default({ complete: true, files: [] }),
  tests: z.object({ passed: z.number(), failed: z.number(), skipped: z.number() }),
  claims: z.array(ClaimResultSchema),
  /** tests that name no claim (harness self-checks) and errors outside any test */
  unclaimed: z.array(CheckResultSchema),
  runErrors: z.array(z.string()),
  artifacts: z.array(ArtifactSchema),
});
export type EvidenceReport = z.infer<typeof EvidenceReportSchema>;

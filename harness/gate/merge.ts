/** Merges the evidence of gate shards (`run --shard i/n` on several machines) into one report, as if one run had run every file. */
import { RESULT_STATES } from '../claims.ts';
import { allSuiteFiles } from '../mutants.ts';
import { aggregateClaims } from '../report/aggregate.ts';
import type { CheckResult, EvidenceReport } from '../report/evidence-schema.ts';

/**
 * One report from several shards of the same gate: every check of every shard, aggregated again per
 * claim by the same rules as a single run; a claim no shard ran stays "not run in this selection".
 * The shards must come from the same target (same manifest name and mode), or the merge refuses.
 */
export function mergeEvidence(shards: readonly EvidenceReport[], runId: string): EvidenceReport {
  const [first] = shards;
  if (!first) throw new Error('merge: no shard reports given');
  for (const shard of shards) {
    if (shard.target?.name !== first.target?.name || shard.target?.mode !== first.target?.mode) {
      throw new Error(
        `merge: shard ${shard.runId} ran against ${shard.target?.name}/${shard.target?.mode}, ` +
          `but ${first.runId} against ${first.target?.name}/${first.target?.mode}; merge only shards of one gate`,
      );
    }
  }
  const byClaim = new Map<string, CheckResult[]>();
  const ran = new Set<string>();
  for (const shard of shards) {
    for (const claim of shard.claims) {
      if (claim.ran) ran.add(claim.id);
      if (claim.checks.length) byClaim.set(claim.id, [...(byClaim.get(claim.id) ?? []), ...claim.checks]);
    }
  }
  const accepted = new Map(
    shards.flatMap((s) =>
      s.claims.filter((c) => c.accepted !== null).map((c) => [c.id, c.accepted] as const),
    ),
  );
  const brokenReasons = new Map(
    shards.flatMap((s) =>
      s.claims
        .filter((c) => c.ran && c.checks.length === 0 && c.result === 'error')
        .map((c) => [c.id, c.reason] as const),
    ),
  );
  const files = [...new Set(shards.flatMap((s) => s.selection.files))].sort();
  const complete = allSuiteFiles().every((file) => files.includes(file));
  const claims = aggregateClaims(byClaim).map((claim) => {
    const broken = brokenReasons.get(claim.id);
    if (claim.checks.length === 0 && broken !== undefined)
      return { ...claim, result: 'error' as const, reason: broken ?? null };
    if (claim.checks.length === 0 && !ran.has(claim.id))
      return { ...claim, ran: false, reason: 'not run in this selection' };
    const acceptance = accepted.get(claim.id);
    return acceptance && claim.result === 'not_assessed' ? { ...claim, accepted: acceptance } : claim;
  });
  const summary = Object.fromEntries(
    RESULT_STATES.map((s) => [s, claims.filter((c) => c.result === s).length]),
  ) as EvidenceReport['summary'];
  return {
    ...first,
    runId,
    generatedAt: new Date().toISOString(),
    summary,
    selection: { complete, files },
    tests: {
      passed: shards.reduce((n, s) => n + s.tests.passed, 0),
      failed: shards.reduce((n, s) => n + s.tests.failed, 0),
      skipped: shards.reduce((n, s) => n + s.tests.skipped, 0),
    },
    claims,
    unclaimed: shards.flatMap((s) => s.unclaimed),
    runErrors: shards.flatMap((s) => s.runErrors.map((e) => `${s.runId}: ${e}`)),
    artifacts: shards.flatMap((s) => s.artifacts),
  };
}

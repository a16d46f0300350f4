/** The gate's exit code and end-of-run summary, read from a run's evidence report. */
import type { ClaimResult, EvidenceReport } from '../report/evidence-schema.ts';

/** 0 every claim pass/not_applicable (or accepted not_assessed); 1 a claim failed; 2 usage/manifest; 3 undecided. */
export const GATE_EXIT = { green: 0, failed: 1, usage: 2, undecided: 3 } as const;

export interface GateVerdict {
  exitCode: 0 | 1 | 3;
  /** one line per claim that is not `pass`: id, result, reason */
  lines: string[];
  headline: string;
}

function firstReason(claim: ClaimResult): string {
  if (claim.accepted) return `accepted as not assessed: ${claim.accepted}`;
  const message = claim.checks
    .filter((check) => check.result === claim.result)
    .flatMap((check) => check.messages.map((m) => `${check.title}: ${m}`))[0];
  const reason = claim.reason ?? message ?? 'no reason recorded';
  return reason.replace(/\s+/g, ' ').slice(0, 240);
}

/** The verdict of a gate run. Claims a selection did not run are listed, never counted as green. */
export function gateVerdictOf(report: EvidenceReport): GateVerdict {
  const ran = report.claims.filter((claim) => claim.ran);
  const notPass = ran.filter((claim) => claim.result !== 'pass' && claim.result !== 'not_applicable');
  const lines = notPass.map(
    (claim) => `  ${claim.id.padEnd(13)} ${claim.result.padEnd(14)} ${firstReason(claim)}`,
  );
  const notRun = report.claims.filter((claim) => !claim.ran).map((claim) => claim.id);
  if (notRun.length) lines.push(`  not run in this selection (${notRun.length}): ${notRun.join(' ')}`);
  const failed = ran.filter((claim) => claim.result === 'fail');
  const undecided = ran.filter(
    (claim) => claim.result === 'error' || (claim.result === 'not_assessed' && claim.accepted === null),
  );
  if (ran.length === 0 || (report.runErrors.length > 0 && failed.length === 0 && undecided.length === 0)) {
    const why = report.runErrors[0] ?? 'no claim ran';
    return { exitCode: 3, lines, headline: `gate: UNDECIDED (exit 3): ${why}` };
  }
  if (failed.length > 0)
    return {
      exitCode: 1,
      lines,
      headline: `gate: RED (exit 1): ${failed.length} claim(s) failed: ${failed.map((c) => c.id).join(', ')}`,
    };
  if (undecided.length > 0)
    return {
      exitCode: 3,
      lines,
      headline: `gate: UNDECIDED (exit 3): no claim failed, but ${undecided.length} could not be decided: ${undecided.map((c) => c.id).join(', ')}`,
    };
  const accepted = ran.filter((claim) => claim.accepted !== null).length;
  return {
    exitCode: 0,
    lines,
    headline: `gate: green (exit 0): ${ran.length} claims pass or do not apply${accepted ? `, ${accepted} accepted as not assessed by the manifest` : ''}`,
  };
}

/** Turns test outcomes into per-claim XCCDF results: the rules that decide pass, fail, error, not_assessed. */
import { CLAIMS, type ResultState } from '../claims.ts';
import type { CheckResult, ClaimResult } from './evidence-schema.ts';

/**
 * Only an assertion of the probe's own finding means the target broke a promise. A contract violation, a
 * schema mismatch, a refused set-up step or a crash means the harness could not tell: `error`.
 */
const FINDING_ERROR_NAMES = new Set(['AssertionError']);
/** Thrown (harness/verdict.ts) when this mode or target cannot let the check observe anything. */
const NOT_ASSESSED_ERROR_NAMES = new Set(['NotAssessed']);

export interface RawOutcome {
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  errorNames: readonly string[];
}

export function checkResultOf(outcome: RawOutcome, notAssessed: boolean): ResultState {
  if (outcome.state === 'passed') return 'pass';
  if (outcome.state === 'failed') {
    if (outcome.errorNames.length > 0 && outcome.errorNames.every((n) => NOT_ASSESSED_ERROR_NAMES.has(n)))
      return 'not_assessed';
    return outcome.errorNames.length > 0 && outcome.errorNames.every((n) => FINDING_ERROR_NAMES.has(n))
      ? 'fail'
      : 'error';
  }
  return notAssessed || outcome.state === 'skipped' ? 'not_assessed' : 'error';
}

function reasonsOf(checks: readonly CheckResult[]): string[] {
  return checks.flatMap((check) =>
    check.evidence
      .filter((item) => item.kind === 'not_assessed')
      .map((item) => `${check.title}: ${item.label}`),
  );
}

/**
 * A claim passes only when every one of its checks passed. A failure anywhere is `fail`; a check that
 * could not finish is `error`; a claim with no control, or with any check this mode cannot observe,
 * is `not_assessed` with the reasons: a partly checked claim is not a proven one.
 */
export function claimResultOf(checks: readonly CheckResult[]): {
  result: ResultState;
  reason: string | null;
} {
  if (checks.length === 0)
    return { result: 'not_assessed', reason: 'no control implemented for this claim yet' };
  const results = new Set(checks.map((c) => c.result));
  if (results.has('fail')) return { result: 'fail', reason: null };
  if (results.has('error')) return { result: 'error', reason: null };
  if (results.has('not_assessed')) {
    const passed = checks.filter((c) => c.result === 'pass').length;
    const reasons = reasonsOf(checks);
    const prefix = passed > 0 ? `partly assessed (${passed} of ${checks.length} checks passed); ` : '';
    return { result: 'not_assessed', reason: `${prefix}${reasons.join('; ') || 'checks skipped'}` };
  }
  if (results.size === 1 && results.has('not_applicable')) return { result: 'not_applicable', reason: null };
  return { result: 'pass', reason: null };
}

export function aggregateClaims(checksByClaim: ReadonlyMap<string, CheckResult[]>): ClaimResult[] {
  return CLAIMS.map((claim) => {
    const checks = checksByClaim.get(claim.id) ?? [];
    const { result, reason } = claimResultOf(checks);
    return {
      id: claim.id,
      family: claim.family,
      claim: claim.claim,
      proof: claim.proof,
      refs: claim.refs,
      section: claim.section,
      mutants: claim.mutants,
      result,
      reason,
      ran: true,
      accepted: null,
      checks,
    };
  });
}

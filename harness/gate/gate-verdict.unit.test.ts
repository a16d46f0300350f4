// The gate's exit codes: 1 only on a failed claim, 3 when something could not be decided, 0 when all is proven.
import { describe, expect, test } from 'vitest';
import { aggregateClaims } from '../report/aggregate.ts';
import type { CheckResult, EvidenceReport } from '../report/evidence-schema.ts';
import { gateVerdictOf } from './gate-verdict.ts';

function report(results: Record<string, CheckResult['result']>, patch: Partial<EvidenceReport> = {}) {
  const byClaim = new Map(
    Object.entries(results).map(([id, result]) => [
      id,
      [
        {
          title: `${id} check`,
          file: 'suites/x.test.ts',
          result,
          durationMs: 1,
          messages: ['why'],
          evidence: [],
        },
      ],
    ]),
  );
  const claims = aggregateClaims(byClaim).filter((claim) => claim.id in results);
  return {
    schemaVersion: 1,
    runId: 'r',
    generatedAt: '2026-01-01T00:00:00Z',
    target: { name: 't', mode: 'process', manifestPath: 'm', mutant: null },
    summary: { pass: 0, fail: 0, error: 0, not_assessed: 0, not_applicable: 0 },
    selection: { complete: true, files: [] },
    tests: { passed: 0, failed: 0, skipped: 0 },
    claims,
    unclaimed: [],
    runErrors: [],
    artifacts: [],
    ...patch,
  } satisfies EvidenceReport;
}

describe('gate verdict', () => {
  test('is green (0) when every claim passes or does not apply', () => {
    expect(gateVerdictOf(report({ 'AUTH-01': 'pass', 'AUTH-02': 'not_applicable' })).exitCode).toBe(0);
  });

  test('is red (1) on any fail, whatever else happened', () => {
    const verdict = gateVerdictOf(report({ 'AUTH-01': 'fail', 'AUTH-02': 'error' }));
    expect(verdict.exitCode).toBe(1);
    expect(verdict.lines.join('\n')).toMatch(/AUTH-01\s+fail/);
    expect(verdict.lines.join('\n')).toMatch(/AUTH-02\s+error/);
  });

  test('is undecided (3) on error or not_assessed without a failure', () => {
    expect(gateVerdictOf(report({ 'AUTH-01': 'pass', 'AUTH-02': 'error' })).exitCode).toBe(3);
    expect(gateVerdictOf(report({ 'AUTH-01': 'pass', 'AUTH-02': 'not_assessed' })).exitCode).toBe(3);
  });

  test('is green when the manifest accepts a not-assessed claim, and says so', () => {
    const r = report({ 'AUTH-01': 'pass', 'AUTH-06': 'not_assessed' });
    const claims = r.claims.map((c) =>
      c.id === 'AUTH-06' ? { ...c, accepted: 'timing over a shared edge' } : c,
    );
    const verdict = gateVerdictOf({ ...r, claims });
    expect(verdict.exitCode).toBe(0);
    expect(verdict.lines.join('\n')).toContain('accepted as not assessed: timing over a shared edge');
  });

  test('never counts claims a selection did not run, and is undecided when none ran', () => {
    const r = report({ 'AUTH-01': 'pass', 'AUTH-02': 'not_assessed' });
    const claims = r.claims.map((c) => (c.id === 'AUTH-02' ? { ...c, ran: false } : c));
    expect(gateVerdictOf({ ...r, claims }).exitCode).toBe(0);
    expect(gateVerdictOf({ ...r, claims: claims.map((c) => ({ ...c, ran: false })) }).exitCode).toBe(3);
  });
});

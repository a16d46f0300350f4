// The kill-matrix verdicts: a mutant counts as killed only when every claim that names it fails.
import { describe, expect, test } from 'vitest';
import { formatMatrix, verdictOf } from './mutants.ts';
import { aggregateClaims } from './report/aggregate.ts';
import type { CheckResult, EvidenceReport } from './report/evidence-schema.ts';

function reportWith(
  results: Record<string, CheckResult['result']>,
  runErrors: string[] = [],
): EvidenceReport {
  const byClaim = new Map(
    Object.entries(results).map(([id, result]) => [
      id,
      [{ title: id, file: 'suites/x.test.ts', result, durationMs: 1, messages: [], evidence: [] }],
    ]),
  );
  return {
    schemaVersion: 1,
    runId: 'r',
    generatedAt: '2026-01-01T00:00:00Z',
    target: { name: 't', mode: 'process', manifestPath: 'm', mutant: 'x' },
    summary: { pass: 0, fail: 0, error: 0, not_assessed: 0, not_applicable: 0 },
    selection: { complete: true, files: [] },
    tests: { passed: 0, failed: 0, skipped: 0 },
    claims: aggregateClaims(byClaim),
    unclaimed: [],
    runErrors,
    artifacts: [],
  };
}

describe('mutant verdicts', () => {
  test('kills a mutant when a claim naming it fails', () => {
    const row = verdictOf('ratelimit-off', reportWith({ 'RATELIMIT-01': 'fail' }), null);
    expect(row).toMatchObject({
      verdict: 'killed',
      expected: ['RATELIMIT-01'],
      failed: ['RATELIMIT-01'],
      collateral: [],
    });
  });

  test('lets a mutant survive when only other claims fail, and names them as collateral', () => {
    const row = verdictOf('ratelimit-off', reportWith({ 'RATELIMIT-01': 'pass', 'AUTH-03': 'fail' }), null);
    expect(row).toMatchObject({ verdict: 'survived', collateral: ['AUTH-03'] });
  });

  test('kills a mutant named by two claims only when both fail, and shows each pair', () => {
    const both = verdictOf(
      'cache-last-provider-key',
      reportWith({ 'SECRETS-05': 'fail', 'SECRETS-06': 'fail' }),
      null,
    );
    expect(both.verdict).toBe('killed');
    expect(both.pairs).toEqual([
      { claim: 'SECRETS-05', result: 'fail' },
      { claim: 'SECRETS-06', result: 'fail' },
    ]);
    const one = verdictOf(
      'cache-last-provider-key',
      reportWith({ 'SECRETS-05': 'fail', 'SECRETS-06': 'pass' }),
      null,
    );
    expect(one.verdict).toBe('survived');
    const erroring = verdictOf(
      'cache-last-provider-key',
      reportWith({ 'SECRETS-05': 'fail', 'SECRETS-06': 'error' }),
      null,
    );
    expect(erroring.verdict).toBe('broken');
  });

  test('does not count a crash (error) as a kill', () => {
    expect(verdictOf('ratelimit-off', reportWith({ 'RATELIMIT-01': 'error' }), null).verdict).toBe('broken');
    expect(verdictOf('ratelimit-off', reportWith({}, ['target never started']), null).verdict).toBe('broken');
    expect(verdictOf('ratelimit-off', null, null).verdict).toBe('broken');
  });

  test('prints one row per mutant and the mutants not shipped yet', () => {
    const text = formatMatrix(
      [verdictOf('ratelimit-off', reportWith({ 'RATELIMIT-01': 'fail' }), null)],
      ['store-prompt'],
    );
    expect(text).toMatch(/ratelimit-off\s+RATELIMIT-01=fail\s+RATELIMIT-01\s+KILLED/);
    expect(text).toContain('not shipped yet: store-prompt');
  });
});

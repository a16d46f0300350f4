// The rules that turn test outcomes into claim results: no silent passes.
import { describe, expect, test } from 'vitest';
import { checkResultOf, claimResultOf } from './aggregate.ts';
import type { CheckResult } from './evidence-schema.ts';

function check(result: CheckResult['result'], notAssessedReason?: string): CheckResult {
  return {
    title: `a ${result} check`,
    file: 'suites/x.test.ts',
    result,
    durationMs: 1,
    messages: [],
    evidence: notAssessedReason ? [{ kind: 'not_assessed', label: notAssessedReason, data: null }] : [],
  };
}

describe('check results', () => {
  test.for([
    { name: 'a passed test', outcome: { state: 'passed', errorNames: [] }, expected: 'pass' },
    {
      name: 'a failed assertion',
      outcome: { state: 'failed', errorNames: ['AssertionError'] },
      expected: 'fail',
    },
    {
      name: 'a contract violation',
      outcome: { state: 'failed', errorNames: ['ContractViolation'] },
      expected: 'error',
    },
    {
      name: 'a refused set-up step',
      outcome: { state: 'failed', errorNames: ['HarnessError'] },
      expected: 'error',
    },
    {
      name: 'a schema mismatch',
      outcome: { state: 'failed', errorNames: ['ZodError'] },
      expected: 'error',
    },
    {
      name: 'a check this target cannot let the harness observe',
      outcome: { state: 'failed', errorNames: ['NotAssessed'] },
      expected: 'not_assessed',
    },
    { name: 'a crash', outcome: { state: 'failed', errorNames: ['TypeError'] }, expected: 'error' },
    {
      name: 'a crash beside an assertion',
      outcome: { state: 'failed', errorNames: ['AssertionError', 'Error'] },
      expected: 'error',
    },
    { name: 'a skipped test', outcome: { state: 'skipped', errorNames: [] }, expected: 'not_assessed' },
    { name: 'a test that never finished', outcome: { state: 'pending', errorNames: [] }, expected: 'error' },
  ] as const)('maps $name to $expected', ({ outcome, expected }) => {
    expect(checkResultOf(outcome, false)).toBe(expected);
  });
});

describe('claim results', () => {
  test('reports a claim with no control as not_assessed, never pass', () => {
    expect(claimResultOf([])).toEqual({
      result: 'not_assessed',
      reason: 'no control implemented for this claim yet',
    });
  });

  test('passes a claim only when every check passed', () => {
    expect(claimResultOf([check('pass'), check('pass')]).result).toBe('pass');
  });

  test('fails a claim when any check failed, whatever else happened', () => {
    expect(claimResultOf([check('pass'), check('error'), check('fail')]).result).toBe('fail');
  });

  test('reports error when a check could not finish and none failed', () => {
    expect(claimResultOf([check('pass'), check('error')]).result).toBe('error');
  });

  test('keeps a partly observed claim not_assessed, with the reason', () => {
    const { result, reason } = claimResultOf([
      check('pass'),
      check('not_assessed', 'no heap snapshot of an external target'),
    ]);
    expect(result).toBe('not_assessed');
    expect(reason).toContain('partly assessed (1 of 2 checks passed)');
    expect(reason).toContain('no heap snapshot of an external target');
  });
});

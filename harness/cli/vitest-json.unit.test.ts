// What `npm test` repeats at the end of its output when tests failed: each failed test and each file that failed outside a test.
import { describe, expect, test } from 'vitest';
import { failedTestsOf, firstLine, VitestJsonSchema } from './vitest-json.ts';

const report = VitestJsonSchema.parse({
  numPassedTests: 1,
  numFailedTests: 1,
  numPendingTests: 0,
  testResults: [
    {
      name: '/repo/suites/a.test.ts',
      message: '',
      assertionResults: [
        { fullName: 'A passes', status: 'passed', failureMessages: [] },
        {
          fullName: 'A fails',
          status: 'failed',
          failureMessages: ['\u001b[31mAssertionError: expected 1 to be 2\u001b[39m\n    at a.test.ts:3'],
        },
      ],
    },
    { name: '/repo/suites/b.test.ts', message: 'Error: Cannot find module x\nstack', assertionResults: [] },
    { name: '/repo/suites/c.test.ts', message: '', assertionResults: [{ fullName: 'C', status: 'passed' }] },
  ],
});

describe('failedTestsOf', () => {
  test('names each failed test with the first line of its message, and each file that failed outside a test', () => {
    expect(failedTestsOf(report, '/repo')).toEqual([
      'suites/a.test.ts > A fails\n    AssertionError: expected 1 to be 2',
      'suites/b.test.ts (the file itself)\n    Error: Cannot find module x',
    ]);
  });

  test('is empty when nothing failed', () => {
    expect(failedTestsOf({ ...report, testResults: [report.testResults[2]!] }, '/repo')).toEqual([]);
  });

  test('cuts a long first line', () => {
    expect(firstLine('x'.repeat(500), 10)).toBe('x'.repeat(10));
    expect(firstLine(undefined)).toBe('');
  });
});

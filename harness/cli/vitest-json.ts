/** Reads vitest's JSON report: the counts `npm test` sums, and the failed tests it repeats at the end of its output. */
import path from 'node:path';
import { z } from 'zod';

export const VitestJsonSchema = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  numPendingTests: z.number(),
  testResults: z
    .array(
      z.object({
        name: z.string(),
        message: z.string().optional(),
        assertionResults: z.array(
          z.object({
            fullName: z.string(),
            status: z.string(),
            failureMessages: z.array(z.string()).nullish(),
          }),
        ),
      }),
    )
    .default([]),
});
export type VitestJson = z.infer<typeof VitestJsonSchema>;

/** The first line of a failure message, without colour codes, cut to `max` characters. */
export function firstLine(message: string | undefined, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  const plain = (message ?? '').replace(/\x1b\[[0-9;]*m/g, '').trim();
  return (plain.split('\n')[0] ?? '').slice(0, max);
}

/**
 * One entry per failed test ("file > full name" and the first line of its message), and one per file that
 * failed outside any test (an import error, a hook): such a file has a message and no failed test.
 */
export function failedTestsOf(report: VitestJson, root: string): string[] {
  const failures: string[] = [];
  for (const file of report.testResults) {
    const relative = path.relative(root, file.name);
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed');
    for (const test of failedTests)
      failures.push(`${relative} > ${test.fullName}\n    ${firstLine(test.failureMessages?.[0])}`);
    if (failedTests.length === 0 && file.message)
      failures.push(`${relative} (the file itself)\n    ${firstLine(file.message)}`);
  }
  return failures;
}

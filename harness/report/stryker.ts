/** The kill matrix in Stryker's mutation-testing-report-schema (v2), so the standard mutation report viewer opens it. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLAIMS } from '../claims.ts';
import type { MatrixRow } from '../mutants.ts';

const STATUS = { killed: 'Killed', survived: 'Survived', broken: 'RuntimeError' } as const;

/**
 * One file per mutant (`reference-proxy/mutants/<name>.ts`, spanning the whole file): a mutant here is a
 * hand-written fault, not a one-token change. `killedBy`/`coveredBy` name the claims that must catch it;
 * each claim is a "test" in the file of its first suite (`suiteFileOf`).
 */
export function renderStrykerReport(
  rows: readonly MatrixRow[],
  options: { mutantsDir?: string; suiteFileOf?: (claim: string) => string | null } = {},
): string {
  const mutantsDir = options.mutantsDir ?? path.join('reference-proxy', 'mutants');
  const files: Record<string, unknown> = {};
  for (const row of rows) {
    const file = path.join(mutantsDir, `${row.mutant}.ts`);
    const source = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lines = source.split('\n');
    const killers = row.pairs.filter((p) => p.result === 'fail').map((p) => p.claim);
    files[file.split(path.sep).join('/')] = {
      language: 'typescript',
      source,
      mutants: [
        {
          id: row.mutant,
          mutatorName: row.mutant,
          description: `planted fault ${row.mutant}; claims that must catch it: ${row.expected.join(', ') || 'none'}`,
          location: {
            start: { line: 1, column: 1 },
            end: { line: Math.max(lines.length, 1), column: (lines.at(-1)?.length ?? 0) + 1 },
          },
          status: STATUS[row.verdict],
          statusReason:
            row.pairs.map((p) => `${p.claim}=${p.result}`).join(' ') || 'no claim names this mutant',
          ...(killers.length ? { killedBy: killers } : {}),
          coveredBy: row.expected,
          static: false,
        },
      ],
    };
  }
  const testFiles: Record<string, { tests: Array<{ id: string; name: string }> }> = {};
  const claimIds = [...new Set(rows.flatMap((r) => r.expected))].sort();
  for (const id of claimIds) {
    const file = options.suiteFileOf?.(id) ?? 'harness/claims-catalogue.ts';
    const claim = CLAIMS.find((c) => c.id === id);
    const entry = testFiles[file] ?? { tests: [] };
    entry.tests.push({ id, name: `${id} ${claim?.claim ?? ''}`.trim() });
    testFiles[file] = entry;
  }
  const report = {
    $schema: 'https://git.io/mutation-testing-schema',
    schemaVersion: '2',
    thresholds: { high: 100, low: 80 },
    projectRoot: '.',
    files,
    testFiles,
    framework: { name: 'mintoken-harness kill matrix' },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

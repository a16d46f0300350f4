/** The last kill matrix (reports/mutants-*\/matrix.json): which mutants prove each claim can fail, and when. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MatrixRow } from '../mutants.ts';
import type { ClaimResult } from '../report/evidence-schema.ts';

export interface LastMatrix {
  /** relative to the cwd */
  path: string;
  /** ISO 8601 mtime of matrix.json */
  date: string;
  rows: MatrixRow[];
}

/** The newest reports/mutants-<stamp>/matrix.json, or null when no matrix was written (or it is unreadable). */
export function lastKillMatrix(reportsDir = path.resolve('reports')): LastMatrix | null {
  if (!existsSync(reportsDir)) return null;
  const candidates = readdirSync(reportsDir)
    .filter((name) => name.startsWith('mutants-'))
    .map((name) => path.join(reportsDir, name, 'matrix.json'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of candidates) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { rows?: MatrixRow[] };
      if (!Array.isArray(parsed.rows)) continue;
      return {
        path: path.relative(process.cwd(), file),
        date: statSync(file).mtime.toISOString(),
        rows: parsed.rows,
      };
    } catch {
      // a half-written matrix: try the one before
    }
  }
  return null;
}

/** The claim's mutants with the matrix's verdict on each (`not run` when the matrix left it out). */
export function mutantProofOf(
  claim: Pick<ClaimResult, 'id' | 'mutants'>,
  matrix: LastMatrix | null,
): ClaimResult['mutantProof'] {
  if (!matrix || claim.mutants.length === 0) return null;
  return {
    matrix: matrix.path,
    date: matrix.date,
    mutants: claim.mutants.map((mutant) => {
      const row = matrix.rows.find((r) => r.mutant === mutant);
      return {
        mutant,
        verdict: row?.verdict ?? 'not run',
        result: row?.pairs.find((p) => p.claim === claim.id)?.result ?? null,
      };
    }),
  };
}

/** Mutant bookkeeping: which mutants the reference proxy ships, which claims must kill each, and the verdict. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mutantsOfClaims } from './claims.ts';
import type { EvidenceReport } from './report/evidence-schema.ts';

export const MUTANTS_DIR = path.resolve('reference-proxy', 'mutants');

/** Mutant names shipped as `reference-proxy/mutants/<name>.ts` (the entry itself excluded). */
export function shippedMutants(dir = MUTANTS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && file !== 'main.ts' && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/** Every suite file of this repository, relative to the cwd: what a full gate runs. */
export function allSuiteFiles(suitesDir = path.resolve('suites')): string[] {
  return readdirSync(suitesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.relative(process.cwd(), path.join(suitesDir, file)))
    .sort();
}

/**
 * The suite files that hold controls of these claims, found by the `claimTitle('<ID>')` a suite's
 * describe uses. A mutant run needs only these files; the rest cannot kill it.
 */
export function suiteFilesOfClaims(ids: readonly string[], suitesDir = path.resolve('suites')): string[] {
  const files = readdirSync(suitesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(suitesDir, file));
  return files
    .filter((file) => {
      const text = readFileSync(file, 'utf8');
      return ids.some((id) => text.includes(`claimTitle('${id}')`));
    })
    .map((file) => path.relative(process.cwd(), file))
    .sort();
}

export type Verdict = 'killed' | 'survived' | 'broken';

/** One (claim, mutant) pair of the matrix: what the claim that names the mutant ended as on it. */
export interface MatrixPair {
  claim: string;
  result: string;
}

export interface MatrixRow {
  mutant: string;
  expected: string[];
  /** each claim that names this mutant, with its result on the mutant ("missing" when not reported) */
  pairs: MatrixPair[];
  failed: string[];
  /** claims that failed although they don't name this mutant (a mutant should break only what it claims to) */
  collateral: string[];
  /** claims whose checks could not finish on this mutant */
  errored: string[];
  verdict: Verdict;
  reportPath: string | null;
  /** set when the first run was broken and this row is the second attempt's */
  retriedAfter?: string;
}

/**
 * A mutant is killed only when EVERY claim that names it in the catalogue fails with `fail` (a finding,
 * not a crash): a claim that names a mutant promises to catch it. It is broken when the run itself
 * errored (the target never started, say) or a naming claim ended `error`, and survived otherwise:
 * both keep the matrix red.
 */
export function verdictOf(
  mutant: string,
  report: EvidenceReport | null,
  reportPath: string | null,
): MatrixRow {
  const expected = mutantsOfClaims().get(mutant) ?? [];
  const empty = { mutant, expected, failed: [], collateral: [], errored: [], reportPath };
  if (!report)
    return { ...empty, pairs: expected.map((claim) => ({ claim, result: 'missing' })), verdict: 'broken' };
  const resultOf = (id: string) => report.claims.find((c) => c.id === id)?.result ?? 'missing';
  const pairs = expected.map((claim) => ({ claim, result: resultOf(claim) }));
  const failed = report.claims.filter((c) => c.result === 'fail').map((c) => c.id);
  const errored = report.claims.filter((c) => c.result === 'error').map((c) => c.id);
  const killed = expected.length > 0 && pairs.every((pair) => pair.result === 'fail');
  const runBroke =
    report.runErrors.length > 0 || report.target === null || pairs.some((pair) => pair.result === 'error');
  return {
    ...empty,
    pairs,
    failed,
    collateral: failed.filter((id) => !expected.includes(id)),
    errored,
    verdict: killed ? 'killed' : runBroke ? 'broken' : 'survived',
  };
}

export function formatMatrix(rows: readonly MatrixRow[], notShipped: readonly string[]): string {
  const header = ['mutant', 'claims naming it (result)', 'all failed claims', 'verdict'];
  const body = rows.map((r) => [
    r.mutant,
    r.pairs.map((p) => `${p.claim}=${p.result}`).join(' ') || '(no claim names it)',
    [...r.failed, ...r.errored.map((id) => `${id}(error)`)].join(' ') || '-',
    r.verdict.toUpperCase() +
      (r.collateral.length ? ` (also broke ${r.collateral.join(' ')})` : '') +
      (r.retriedAfter ? ' (2nd attempt)' : ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (notShipped.length) out.push('', `named in the catalogue, not shipped yet: ${notShipped.join(', ')}`);
  return out.join('\n');
}

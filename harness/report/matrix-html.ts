/** Renders the mutant kill matrix as an HTML page, linking each mutant's evidence report. */
import path from 'node:path';
import type { MatrixRow } from '../mutants.ts';
import { escapeHtml, REPORT_STYLE, resultBadge } from './html.ts';

const VERDICT_RESULT = { killed: 'pass', survived: 'fail', broken: 'error' } as const;

export function renderMatrixHtml(
  rows: readonly MatrixRow[],
  notShipped: readonly string[],
  outDir: string,
): string {
  const body = rows
    .map((row) => {
      const report = row.reportPath
        ? `<a href="${escapeHtml(path.relative(outDir, row.reportPath.replace(/\.json$/, '.html')))}">evidence</a>`
        : '—';
      const failed = [...row.failed, ...row.errored.map((id) => `${id} (error)`)].join(', ') || '—';
      const collateral = row.collateral.length
        ? `<br><small>also broke ${escapeHtml(row.collateral.join(', '))}</small>`
        : '';
      return `<tr><td><code>${escapeHtml(row.mutant)}</code></td><td>${row.pairs.map((p) => `${escapeHtml(p.claim)} ${resultBadge(p.result)}`).join('<br>') || '(no claim names it)'}</td>
<td>${escapeHtml(failed)}</td><td>${resultBadge(VERDICT_RESULT[row.verdict], row.verdict)}${collateral}</td><td>${report}</td></tr>`;
    })
    .join('\n');
  const killed = rows.filter((r) => r.verdict === 'killed').length;
  const pending = notShipped.length
    ? `<p>Named in the claims catalogue, not shipped yet: ${notShipped.map((m) => `<code>${escapeHtml(m)}</code>`).join(', ')}</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mutant kill matrix</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Mutant kill matrix</h1>
<p>${killed} of ${rows.length} shipped mutants killed. A mutant is killed when a claim that names it fails on it.</p>
<table><tr><th>Mutant</th><th>Claims naming it (each must fail)</th><th>All claims that failed</th><th>Verdict</th><th>Report</th></tr>
${body}</table>${pending}</body></html>
`;
}

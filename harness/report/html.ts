/** Renders the evidence report as one self-contained HTML page an auditor can read and archive. */
import type { CheckResult, ClaimResult, EvidenceReport } from './evidence-schema.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLOURS: Record<string, string> = {
  pass: '#1a7f37',
  fail: '#cf222e',
  error: '#bc4c00',
  not_assessed: '#6e7781',
  not_applicable: '#8c959f',
};

/** A coloured label for a result state; `label` defaults to the state's name. */
export function resultBadge(result: string, label = result): string {
  return `<span class="badge" style="background:${COLOURS[result] ?? '#6e7781'}">${escapeHtml(label)}</span>`;
}

const badge = (result: string) => resultBadge(result);

export const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1f2328}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left}
section{border-top:1px solid #d0d7de;margin-top:1rem}pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:20rem}
.msg{background:#fff1f0}.reason{color:#57606a}li{margin:.4rem 0}`;

function renderCheck(check: CheckResult): string {
  const evidence = check.evidence
    .map(
      (item) =>
        `<details><summary><b>${escapeHtml(item.kind.replace('_', ' '))}</b>: ${escapeHtml(item.label)}</summary>` +
        `<pre>${escapeHtml(JSON.stringify(item.data, null, 2) ?? '')}</pre></details>`,
    )
    .join('');
  const messages = check.messages.map((m) => `<pre class="msg">${escapeHtml(m)}</pre>`).join('');
  return `<li>${badge(check.result)} ${escapeHtml(check.title)} <small>${check.durationMs.toFixed(0)} ms · ${escapeHtml(check.file)}</small>${messages}${evidence}</li>`;
}

function renderClaim(claim: ClaimResult): string {
  const reason = claim.reason ? `<p class="reason">${escapeHtml(claim.reason)}</p>` : '';
  const mutants = claim.mutants.length
    ? `<p><small>mutants: ${claim.mutants.map(escapeHtml).join(', ')}</small></p>`
    : '';
  return `<section id="${claim.id}"><h3>${badge(claim.result)} ${claim.id} ${escapeHtml(claim.claim)}</h3>
<p><small>How: ${escapeHtml(claim.proof)} · Refs: ${escapeHtml(claim.refs)}</small></p>${mutants}${reason}
<ul>${claim.checks.map(renderCheck).join('')}</ul></section>`;
}

export function renderEvidenceHtml(report: EvidenceReport): string {
  const summary = Object.entries(report.summary)
    .map(([state, count]) => `${badge(state)} ${count}`)
    .join(' &nbsp; ');
  const target = report.target
    ? `${escapeHtml(report.target.name)} (${escapeHtml(report.target.mode)}${report.target.mutant ? `, mutant <b>${escapeHtml(report.target.mutant)}</b>` : ''}${report.target.imageDigest ? `, image ${escapeHtml(report.target.image ?? '')} ${escapeHtml(report.target.imageDigest)}` : ''})`
    : 'unknown (the environment did not start)';
  const rows = report.claims
    .map(
      (c) =>
        `<tr><td><a href="#${c.id}">${c.id}</a></td><td>${badge(c.result)}</td><td>${escapeHtml(c.claim)}</td></tr>`,
    )
    .join('');
  const artifacts = report.artifacts
    .map((a) => `<tr><td>${escapeHtml(a.path)}</td><td>${a.bytes}</td><td><code>${a.sha256}</code></td></tr>`)
    .join('');
  const runErrors = report.runErrors.map((e) => `<pre class="msg">${escapeHtml(e)}</pre>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evidence report ${escapeHtml(report.runId)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Mintoken security policy — evidence report</h1>
<p>Run <code>${escapeHtml(report.runId)}</code> · generated ${escapeHtml(report.generatedAt)} · target ${target}</p>
<p>Claims: ${summary} · tests: ${report.tests.passed} passed, ${report.tests.failed} failed, ${report.tests.skipped} skipped</p>
${runErrors}
<h2>Claims</h2><table><tr><th>ID</th><th>Result</th><th>Claim</th></tr>${rows}</table>
${report.claims.map(renderClaim).join('\n')}
<h2>Artifacts</h2><table><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr>${artifacts}</table>
</body></html>
`;
}

/** Renders the evidence report as one self-contained HTML page (index.html) an auditor can read offline and archive. */
import { CLAIM_FAMILIES, RESULT_STATES } from '../claims.ts';
import { POLICY_PROMISES } from '../policy.ts';
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

export const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1f2328;padding:0 1rem}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600;white-space:nowrap}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
section{border-top:1px solid #d0d7de;margin-top:1rem}pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:20rem;white-space:pre-wrap}
.msg{background:#fff1f0}.reason{color:#57606a}li{margin:.4rem 0}code{font-size:12px}.warn{background:#fff8c5;padding:8px}
.big{font-size:20px;font-weight:600}.kv th{width:12rem;color:#57606a;font-weight:500}
@media print{body{margin:0;max-width:none}details{display:none}section{break-inside:avoid-page}}`;

const location = (check: CheckResult) => `${check.file}${check.line != null ? `:${check.line}` : ''}`;

function renderCheck(check: CheckResult): string {
  const evidence = check.evidence
    .map(
      (item) =>
        `<details><summary><b>${escapeHtml(item.kind.replace('_', ' '))}</b>: ${escapeHtml(item.label)}</summary>` +
        `<pre>${escapeHtml(JSON.stringify(item.data, null, 2) ?? '')}</pre></details>`,
    )
    .join('');
  const messages = check.messages.map((m) => `<pre class="msg">${escapeHtml(m)}</pre>`).join('');
  return `<li>${badge(check.result)} ${escapeHtml(check.title)} <small>${check.durationMs.toFixed(0)} ms · <code>${escapeHtml(location(check))}</code></small>${messages}${evidence}</li>`;
}

function renderMutantProof(claim: ClaimResult): string {
  if (claim.mutants.length === 0)
    return '<p><small>No mutant of the reference proxy names this claim.</small></p>';
  if (!claim.mutantProof)
    return `<p><small>Mutants: ${claim.mutants.map(escapeHtml).join(', ')} (no kill matrix found: run <code>npm run mutants</code>)</small></p>`;
  const items = claim.mutantProof.mutants
    .map(
      (m) =>
        `<code>${escapeHtml(m.mutant)}</code> ${resultBadge(m.verdict === 'killed' ? 'pass' : m.verdict === 'not run' ? 'not_assessed' : 'fail', m.verdict)}${m.result ? ` <small>(claim ${escapeHtml(m.result)})</small>` : ''}`,
    )
    .join(' · ');
  return `<p><small>Can fail: ${items} — kill matrix of ${escapeHtml(claim.mutantProof.date)}</small></p>`;
}

function renderClaim(claim: ClaimResult): string {
  const reason = claim.reason ? `<p class="reason">${escapeHtml(claim.reason)}</p>` : '';
  const accepted = claim.accepted
    ? `<p class="reason">Accepted as not assessed: ${escapeHtml(claim.accepted)}</p>`
    : '';
  const controls = claim.positiveControls?.length
    ? `<p><small>Positive controls: ${claim.positiveControls.map(escapeHtml).join('; ')}</small></p>`
    : '';
  const notRun = claim.ran ? '' : ' <small>(not run in this selection)</small>';
  return `<section id="${claim.id}"><h3>${badge(claim.result)} ${claim.id} ${escapeHtml(claim.claim)}${notRun}</h3>
<p><small>How: ${escapeHtml(claim.proof)} · Refs: ${escapeHtml(claim.refs)}</small></p>${renderMutantProof(claim)}${controls}${reason}${accepted}
<ul>${claim.checks.map(renderCheck).join('')}</ul></section>`;
}

function renderAreas(report: EvidenceReport): string {
  const head = RESULT_STATES.map((s) => `<th>${badge(s)}</th>`).join('');
  const rows = CLAIM_FAMILIES.map((family) => {
    const claims = report.claims.filter((c) => c.family === family);
    const ran = claims.filter((c) => c.ran);
    const cells = RESULT_STATES.map((s) => `<td>${ran.filter((c) => c.result === s).length || ''}</td>`).join(
      '',
    );
    return `<tr><th>${escapeHtml(family)}</th>${cells}<td>${claims.length - ran.length || ''}</td><td>${claims.length}</td></tr>`;
  }).join('');
  return `<h2>Per area</h2><table><tr><th>Area</th>${head}<th>not run</th><th>claims</th></tr>${rows}</table>`;
}

/** Claims grouped by the policy promise they check; the hardening promises apart, marked as such. */
function renderPromises(report: EvidenceReport): string {
  const byId = new Map(report.claims.map((c) => [c.id, c]));
  const row = (p: (typeof POLICY_PROMISES)[number]) => {
    const claims = p.claims.flatMap((id) => byId.get(id) ?? []);
    if (claims.length === 0) return '';
    const cells = claims
      .map(
        (c) =>
          `<a href="#${c.id}">${c.id}</a> ${c.ran ? badge(c.result) : resultBadge('not_assessed', 'not run')}`,
      )
      .join(' &nbsp; ');
    return `<tr><td>${escapeHtml(p.promise)}</td><td>${cells}</td></tr>`;
  };
  const stated = POLICY_PROMISES.filter((p) => !p.hardening)
    .map(row)
    .join('');
  const hardening = POLICY_PROMISES.filter((p) => p.hardening)
    .map(row)
    .join('');
  return `<h2>Per promise of the policy</h2><table><tr><th>The policy promises</th><th>Claims</th></tr>${stated}</table>${
    hardening
      ? `<h3>Hardening <small>(implied by the policy's in-scope list, beyond its letter)</small></h3><table><tr><th>Implied promise</th><th>Claims</th></tr>${hardening}</table>`
      : ''
  }`;
}

function renderRun(report: EvidenceReport): string {
  const t = report.target;
  const kv = (k: string, v: string) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`;
  const code = (v: string | null | undefined) => (v ? `<code>${escapeHtml(v)}</code>` : '—');
  const rows = [
    kv('Run', code(report.runId)),
    kv(
      'When',
      `${escapeHtml(report.startedAt ?? '?')} → ${escapeHtml(report.endedAt ?? report.generatedAt)}${report.durationMs != null ? ` (${(report.durationMs / 1000).toFixed(1)} s)` : ''}`,
    ),
    kv(
      'Harness',
      report.harness
        ? `${escapeHtml(report.harness.version)} at ${code(report.harness.gitCommit)}${report.harness.gitDirty ? ' (uncommitted changes)' : ''}`
        : '—',
    ),
    kv('Seed', report.seed ? code(report.seed) : 'not seeded (HARNESS_SEED unset)'),
    kv(
      'Selection',
      report.selection.complete
        ? 'every suite file (a full gate)'
        : `${report.selection.files.length} suite file(s): ${report.selection.files.map(escapeHtml).join(', ')}`,
    ),
  ];
  if (t) {
    rows.push(
      kv(
        'Target',
        `${escapeHtml(t.name)} (${escapeHtml(t.mode)})${t.mutant ? `, mutant <b>${escapeHtml(t.mutant)}</b>` : ''}`,
      ),
      kv('Manifest', `${code(t.manifestPath)} sha256 ${code(t.manifestSha256)}`),
      kv('Started as', t.command ? code(t.command.join(' ')) : t.image ? code(t.image) : code(t.url)),
      ...(t.imageDigest ? [kv('Image digest', code(t.imageDigest))] : []),
      kv(
        'Target /version',
        t.version != null ? code(JSON.stringify(t.version)) : escapeHtml(t.versionError ?? 'not asked'),
      ),
    );
  } else rows.push(kv('Target', 'unknown (the environment did not start)'));
  for (const tool of report.tools ?? [])
    rows.push(kv(tool.name, tool.version ? escapeHtml(tool.version) : '<i>not found</i>'));
  const prev = report.integrity?.prev;
  if (prev)
    rows.push(kv('Previous bundle', `${code(prev.runId)} manifest sha256 ${code(prev.manifestSha256)}`));
  return `<h2>Run</h2><table class="kv">${rows.join('')}</table>`;
}

function renderArtifacts(report: EvidenceReport): string {
  const logs = new Map((report.logs ?? []).map((l) => [l.path, l]));
  const rows = report.artifacts
    .map((a) => {
      const log = logs.get(a.path);
      const note = log
        ? ` <small>(${log.kept === 'full' ? 'full log' : `last ${log.keptBytes} of ${log.originalBytes} bytes`}, gzip)</small>`
        : '';
      return `<tr><td><a href="${escapeHtml(a.path)}">${escapeHtml(a.path)}</a>${note}</td><td>${a.bytes}</td><td><code>${a.sha256}</code></td></tr>`;
    })
    .join('');
  return `<h2>Artifacts</h2><p><small>Every file is also listed with its SHA-256 in <a href="manifest.sha256">manifest.sha256</a>; check with <code>sha256sum -c manifest.sha256</code> or <code>mintoken-harness verify</code>.</small></p>
<table><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr>${rows}</table>`;
}

export function renderEvidenceHtml(report: EvidenceReport): string {
  const summary = Object.entries(report.summary)
    .map(([state, count]) => `${badge(state)} <span class="big">${count}</span>`)
    .join(' &nbsp; ');
  const rows = report.claims
    .map(
      (c) =>
        `<tr><td><a href="#${c.id}">${c.id}</a></td><td>${badge(c.result)}</td><td>${escapeHtml(c.claim)}${c.ran ? '' : ' <small>(not run)</small>'}</td></tr>`,
    )
    .join('');
  const runErrors = report.runErrors.map((e) => `<pre class="msg">${escapeHtml(e)}</pre>`).join('');
  const redaction = report.integrity?.redaction;
  const redactionNote = redaction
    ? `<p><small>Self-redaction: ${redaction.fingerprinted} provider-key-shaped string(s) (planted sweep controls, canaries) replaced by fingerprints; ${redaction.findings.length ? `<b>${redaction.findings.length} run secret finding(s)</b>: ${redaction.findings.map((f) => `${escapeHtml(f.secret)} in ${escapeHtml(f.file)} (${escapeHtml(f.form)})`).join(', ')}` : 'no run secret found in the bundle'}.</small></p>`
    : '';
  const notRun = report.claims.filter((c) => !c.ran).length;
  const notRunLine = notRun
    ? `<p class="warn">A selection, not a full gate: ${notRun} of ${report.claims.length} claims were not run (counted as not_assessed above).</p>`
    : '';
  const unclaimed = report.unclaimed.length
    ? `<h2>Tests that name no claim</h2><p><small>Harness self-checks and tests outside the catalogue: they decide no claim, but a failure here is worth reading.</small></p><ul>${report.unclaimed.map(renderCheck).join('')}</ul>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evidence report ${escapeHtml(report.runId)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Mintoken security policy — evidence report</h1>
<p>Run <code>${escapeHtml(report.runId)}</code> · generated ${escapeHtml(report.generatedAt)} · target ${report.target ? `${escapeHtml(report.target.name)} (${escapeHtml(report.target.mode)}${report.target.mutant ? `, mutant <b>${escapeHtml(report.target.mutant)}</b>` : ''})` : 'unknown (the environment did not start)'}</p>
<h2>Summary</h2>
<p>Claims: ${summary}</p>
${notRunLine}
<p>Tests: ${report.tests.passed} passed, ${report.tests.failed} failed, ${report.tests.skipped} skipped${report.unclaimed.length ? ` · ${report.unclaimed.length} name no claim (<a href="#unclaimed">below</a>)` : ''}</p>
${runErrors}${redactionNote}
${renderPromises(report)}
${renderAreas(report)}
${renderRun(report)}
<h2>Claims</h2><table><tr><th>ID</th><th>Result</th><th>Claim</th></tr>${rows}</table>
${report.claims.map(renderClaim).join('\n')}
<div id="unclaimed">${unclaimed}</div>
${renderArtifacts(report)}
</body></html>
`;
}

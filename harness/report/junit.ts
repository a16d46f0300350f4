/** Renders the evidence report as JUnit XML: a testsuite per claim, a testcase per check, for CI test tabs. */
import type { CheckResult, ClaimResult, EvidenceReport } from './evidence-schema.ts';

export function escapeXml(text: string): string {
  // XML 1.0 cannot hold most control characters even escaped: drop them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
  const clean = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
  return clean.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function testcase(check: CheckResult, claimId: string | null): string {
  const attrs = `name="${escapeXml(check.title)}" classname="${escapeXml(claimId ?? check.file)}" file="${escapeXml(check.file)}"${check.line != null ? ` line="${check.line}"` : ''} time="${(check.durationMs / 1000).toFixed(3)}"`;
  const message = escapeXml(check.messages[0] ?? check.result);
  const body = escapeXml(check.messages.join('\n\n'));
  switch (check.result) {
    case 'pass':
    case 'not_applicable':
      return `    <testcase ${attrs}/>\n`;
    case 'fail':
      return `    <testcase ${attrs}><failure message="${message}" type="fail">${body}</failure></testcase>\n`;
    case 'error':
      return `    <testcase ${attrs}><error message="${message}" type="error">${body}</error></testcase>\n`;
    case 'not_assessed': {
      const reason =
        check.evidence.find((e) => e.kind === 'not_assessed')?.label ?? check.messages[0] ?? 'not assessed';
      return `    <testcase ${attrs}><skipped message="${escapeXml(`not assessed: ${reason}`)}"/></testcase>\n`;
    }
  }
}

function claimSuite(claim: ClaimResult): string {
  const checks = claim.checks;
  const count = (r: string) => checks.filter((c) => c.result === r).length;
  const cases = checks.length
    ? checks.map((c) => testcase(c, claim.id)).join('')
    : `    <testcase name="${claim.id} (no check ran)" classname="${claim.id}"><skipped message="${escapeXml(claim.reason ?? claim.result)}"/></testcase>\n`;
  const time = checks.reduce((s, c) => s + c.durationMs, 0) / 1000;
  return `  <testsuite name="${escapeXml(`${claim.id} ${claim.claim}`)}" tests="${Math.max(checks.length, 1)}" failures="${count('fail')}" errors="${count('error')}" skipped="${checks.length ? count('not_assessed') : 1}" time="${time.toFixed(3)}">
    <properties><property name="claim" value="${claim.id}"/><property name="result" value="${claim.result}"/><property name="ran" value="${claim.ran}"/></properties>
${cases}  </testsuite>\n`;
}

export function renderJunit(report: EvidenceReport): string {
  const claims = report.claims.filter((c) => c.ran);
  const all = [...claims.flatMap((c) => c.checks), ...report.unclaimed];
  const count = (r: string) => all.filter((c) => c.result === r).length;
  const unclaimed = report.unclaimed.length
    ? `  <testsuite name="tests that name no claim" tests="${report.unclaimed.length}" failures="${report.unclaimed.filter((c) => c.result === 'fail').length}" errors="${report.unclaimed.filter((c) => c.result === 'error').length}" skipped="${report.unclaimed.filter((c) => c.result === 'not_assessed').length}">\n${report.unclaimed.map((c) => testcase(c, null)).join('')}  </testsuite>\n`
    : '';
  const runErrors = report.runErrors.length
    ? `  <testsuite name="run errors" tests="${report.runErrors.length}" failures="0" errors="${report.runErrors.length}" skipped="0">\n${report.runErrors.map((e, i) => `    <testcase name="run error ${i + 1}" classname="run"><error message="${escapeXml(e.split('\n')[0] ?? e)}">${escapeXml(e)}</error></testcase>\n`).join('')}  </testsuite>\n`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="mintoken-harness ${escapeXml(report.runId)}" tests="${all.length}" failures="${count('fail')}" errors="${count('error') + report.runErrors.length}" skipped="${count('not_assessed')}" time="${((report.durationMs ?? 0) / 1000).toFixed(3)}" timestamp="${escapeXml(report.startedAt ?? report.generatedAt)}">
${claims.map(claimSuite).join('')}${unclaimed}${runErrors}</testsuites>
`;
}

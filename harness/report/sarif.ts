/** Renders the evidence report as SARIF 2.1.0: one rule per claim, a result per check that did not pass, at its test. */
import type { CheckResult, EvidenceReport } from './evidence-schema.ts';

/**
 * SARIF 2.1.0 §3.27.9: a kind other than `fail` must have level `none`. A finding is an error, a check that
 * could not finish a warning (both `fail`, so code scanning shows them); not assessed is `notApplicable`.
 */
const KIND_LEVEL = {
  fail: { kind: 'fail', level: 'error' },
  error: { kind: 'fail', level: 'warning' },
  not_assessed: { kind: 'notApplicable', level: 'none' },
} as const;

function location(check: CheckResult) {
  return {
    physicalLocation: {
      artifactLocation: { uri: check.file, uriBaseId: '%SRCROOT%' },
      region: { startLine: check.line ?? 1, ...(check.column != null ? { startColumn: check.column } : {}) },
    },
  };
}

export function renderSarif(report: EvidenceReport): string {
  const rules = report.claims.map((claim) => ({
    id: claim.id,
    name: claim.id.replace('-', ''),
    shortDescription: { text: claim.claim },
    fullDescription: { text: `${claim.claim} How it is checked: ${claim.proof}` },
    help: { text: `${claim.proof}\nPolicy: ${claim.refs}` },
    properties: { family: claim.family, refs: claim.refs, tags: ['security', claim.family] },
  }));
  const results = report.claims.flatMap((claim, ruleIndex) =>
    claim.checks
      .filter(
        (check) => check.result === 'fail' || check.result === 'error' || check.result === 'not_assessed',
      )
      .map((check) => {
        const result = check.result as keyof typeof KIND_LEVEL;
        const why =
          check.messages[0] ??
          check.evidence.find((e) => e.kind === 'not_assessed')?.label ??
          claim.reason ??
          result;
        return {
          ruleId: claim.id,
          ruleIndex,
          ...KIND_LEVEL[result],
          message: { text: `${claim.id} ${result}: ${check.title}: ${why.split('\n')[0]}` },
          locations: [location(check)],
          partialFingerprints: { claimCheck: `${claim.id}/${check.title}` },
          properties: { result, claimResult: claim.result },
        };
      }),
  );
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mintoken-harness',
            version: report.harness?.version ?? 'unknown',
            informationUri: 'https://github.com/mintoken/security-harness',
            rules,
          },
        },
        automationDetails: { id: `mintoken-harness/${report.runId}` },
        invocations: [
          {
            executionSuccessful: report.runErrors.length === 0,
            ...(report.startedAt ? { startTimeUtc: report.startedAt } : {}),
            ...(report.endedAt ? { endTimeUtc: report.endedAt } : {}),
            toolExecutionNotifications: report.runErrors.map((e) => ({
              level: 'error',
              message: { text: e.split('\n')[0] ?? e },
            })),
          },
        ],
        ...(report.harness?.gitCommit
          ? {
              versionControlProvenance: [
                { repositoryUri: 'urn:mintoken-harness', revisionId: report.harness.gitCommit },
              ],
            }
          : {}),
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'the harness repository root' } } },
        results,
        properties: { summary: report.summary, target: report.target?.name ?? null },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

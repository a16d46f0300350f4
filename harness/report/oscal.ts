/** Renders the evidence report as an OSCAL Assessment Results document (1.1.x JSON), what compliance tools ingest. */
import { createHash } from 'node:crypto';
import type { EvidenceReport } from './evidence-schema.ts';

export const OSCAL_VERSION = '1.1.2';

/** A name-based UUID (version 5 layout over SHA-256): re-rendering a report gives the same document. */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const STATE = { pass: 'satisfied', not_applicable: 'satisfied' } as const;

export function renderOscal(report: EvidenceReport): string {
  const id = (...parts: string[]) => stableUuid(report.runId, ...parts);
  const claims = report.claims.filter((c) => c.ran);
  const observations = claims.flatMap((claim) =>
    claim.checks.map((check) => ({
      uuid: id('observation', claim.id, check.title),
      title: check.title,
      description: `${check.result}${check.messages[0] ? `: ${check.messages[0]}` : ''}`,
      props: [
        { name: 'result', ns: 'https://mintoken.dev/ns/harness', value: check.result },
        { name: 'test-file', ns: 'https://mintoken.dev/ns/harness', value: check.file },
        ...(check.line != null
          ? [{ name: 'test-line', ns: 'https://mintoken.dev/ns/harness', value: String(check.line) }]
          : []),
      ],
      methods: ['TEST'],
      types: ['control-objective'],
      subjects: [
        {
          'subject-uuid': id('target'),
          type: 'component',
          title: report.target?.name ?? 'unknown target',
        },
      ],
      'relevant-evidence': [
        { href: 'evidence.json', description: `evidence.json, claim ${claim.id}, check "${check.title}"` },
      ],
      collected: report.endedAt ?? report.generatedAt,
    })),
  );
  const findings = claims.map((claim) => ({
    uuid: id('finding', claim.id),
    title: `${claim.id} ${claim.claim}`,
    description: `${claim.result}${claim.reason ? `: ${claim.reason}` : ''}${claim.accepted ? ` (accepted: ${claim.accepted})` : ''}`,
    props: [{ name: 'result', ns: 'https://mintoken.dev/ns/harness', value: claim.result }],
    target: {
      type: 'objective-id',
      'target-id': claim.id,
      description: claim.proof,
      status: {
        state: STATE[claim.result as keyof typeof STATE] ?? 'not-satisfied',
        ...(claim.result in STATE ? {} : { reason: claim.result === 'fail' ? 'fail' : 'other' }),
      },
    },
    ...(claim.checks.length
      ? {
          'related-observations': claim.checks.map((check) => ({
            'observation-uuid': id('observation', claim.id, check.title),
          })),
        }
      : {}),
  }));
  const document = {
    'assessment-results': {
      uuid: id('assessment-results'),
      metadata: {
        title: `Mintoken security policy: evidence of run ${report.runId}`,
        'last-modified': report.endedAt ?? report.generatedAt,
        version: report.harness?.version ?? 'unknown',
        'oscal-version': OSCAL_VERSION,
        // OSCAL arrays hold at least one item: the property is left out without a commit
        ...(report.harness?.gitCommit
          ? {
              props: [
                {
                  name: 'harness-commit',
                  ns: 'https://mintoken.dev/ns/harness',
                  value: report.harness.gitCommit,
                },
              ],
            }
          : {}),
      },
      'import-ap': { href: 'evidence.json' },
      results: [
        {
          uuid: id('result'),
          title: `Gate run ${report.runId} against ${report.target?.name ?? 'an unknown target'}`,
          description: Object.entries(report.summary)
            .map(([state, n]) => `${n} ${state}`)
            .join(', '),
          start: report.startedAt ?? report.generatedAt,
          ...(report.endedAt ? { end: report.endedAt } : {}),
          'reviewed-controls': {
            'control-selections': [
              { 'include-controls': claims.map((claim) => ({ 'control-id': claim.id.toLowerCase() })) },
            ],
          },
          ...(observations.length ? { observations } : {}),
          ...(findings.length ? { findings } : {}),
        },
      ],
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

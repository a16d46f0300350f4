// The HTML reports escape everything a target or a test wrote, and show every claim with its result.
import { describe, expect, test } from 'vitest';
import { CLAIMS_CATALOGUE } from '../claims-catalogue.ts';
import { verdictOf } from '../mutants.ts';
import { aggregateClaims } from './aggregate.ts';
import type { EvidenceReport } from './evidence-schema.ts';
import { renderEvidenceHtml } from './html.ts';
import { renderMatrixHtml } from './matrix-html.ts';
import { renderStrykerReport } from './stryker.ts';

const HOSTILE = '<script>alert(1)</script>';

function report(): EvidenceReport {
  const check = {
    title: `returns ${HOSTILE}`,
    file: 'suites/x.test.ts',
    result: 'fail' as const,
    durationMs: 3,
    messages: [`expected ${HOSTILE}`],
    evidence: [{ kind: 'evidence' as const, label: HOSTILE, data: { body: HOSTILE } }],
  };
  return {
    schemaVersion: 1,
    runId: 'run-1',
    generatedAt: '2026-01-01T00:00:00Z',
    target: { name: HOSTILE, mode: 'process', manifestPath: 'm', mutant: null },
    summary: { pass: 0, fail: 1, error: 0, not_assessed: 33, not_applicable: 0 },
    selection: { complete: true, files: [] },
    tests: { passed: 0, failed: 1, skipped: 0 },
    claims: aggregateClaims(new Map([['AUTH-03', [check]]])),
    unclaimed: [],
    runErrors: [HOSTILE],
    artifacts: [{ path: 'reports/run-1/logs/replica-0-stdout.log', bytes: 10, sha256: 'ab'.repeat(32) }],
  };
}

describe('HTML reports', () => {
  test('escape what the target and the tests wrote', () => {
    const html = renderEvidenceHtml(report());
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&#60;script&#62;');
  });

  test('list every claim with its result and every artifact with its hash', () => {
    const html = renderEvidenceHtml(report());
    expect(html.match(/<tr><td><a href="#/g)).toHaveLength(CLAIMS_CATALOGUE.length);
    expect(html).toMatch(/AUTH-03<\/a><\/td><td><span class="badge"[^>]*>fail</);
    expect(html).toContain('ab'.repeat(32));
  });

  test('render the kill matrix with a verdict per mutant', () => {
    const row = verdictOf('raw-key-on-list', report(), '/r/mutant-x/evidence.json');
    const html = renderMatrixHtml([row], ['store-prompt'], '/r/mutants-1');
    expect(html).toContain('1 of 1 shipped mutants killed');
    expect(html).toContain('href="../mutant-x/evidence.html"');
    expect(html).toContain('store-prompt');
  });
});

describe('Stryker mutation-testing report', () => {
  test('has one mutant per matrix row with Stryker statuses and the claims that killed it', () => {
    const killed = verdictOf('raw-key-on-list', report(), '/r/evidence.json');
    const survived = { ...killed, mutant: 'other', verdict: 'survived' as const, pairs: [] };
    const json = JSON.parse(renderStrykerReport([killed, survived]));
    expect(json.schemaVersion).toBe('2');
    const mutants = Object.values(
      json.files as Record<string, { mutants: Array<{ status: string; killedBy?: string[] }> }>,
    ).flatMap((f) => f.mutants);
    expect(mutants.map((m) => m.status)).toEqual(['Killed', 'Survived']);
    expect(mutants[0]?.killedBy).toEqual(['AUTH-03']);
  });
});

// The example repro reproduces its planted bug (the raw-key-on-list mutant) and holds on the reference proxy, writing report.md both times.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const NAME = 'examples/raw-key-listed-again';
const report = () => readFileSync(path.resolve('repro', NAME, 'report.md'), 'utf8');

function runRepro(mutant: string | null) {
  const result = spawnSync(process.execPath, [path.resolve('harness/cli/repro.ts'), NAME, '--run'], {
    encoding: 'utf8',
    env: { ...process.env, HARNESS_MUTANT: mutant ?? '', HARNESS_REPLICAS: '1', HARNESS_RUN_ID: '' },
    timeout: 180_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('repro', () => {
  test('fails on the mutant it was written for, with a report in the shape the policy asks for', () => {
    const run = runRepro('raw-key-on-list');
    expect(run.status, run.output).not.toBe(0);
    const text = report();
    expect(text).toContain('Reproduced against `reference-proxy (mutant raw-key-on-list)`');
    expect(text).toMatch(/## Description and impact[\s\S]*## Minimal reproduction[\s\S]*## Credit/);
    expect(text).toContain('curl -sS -i --cacert "$MT_CA"');
    expect(text).not.toMatch(/mt_live_[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_-]{10,}\./);
  });

  test('passes on the reference proxy', () => {
    const run = runRepro(null);
    expect(run.status, run.output).toBe(0);
    expect(report()).toContain('Not reproduced against `reference-proxy`');
  });
});

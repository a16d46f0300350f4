// Sharding proven on the real target: two shards of a gate, merged, give the same per-claim results as one unsharded run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';

const CLAIMS = 'TRANSPORT-03,AUTH-07,RATELIMIT-01,TENANCY-01';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const cli = path.resolve('harness/cli/main.ts');

function run(args: string[], runId: string) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HARNESS_RUN_ID: runId, HARNESS_REPLICAS: '1' },
    timeout: 240_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

const resultsOf = (dir: string) =>
  Object.fromEntries(
    EvidenceReportSchema.parse(JSON.parse(readFileSync(path.join(dir, 'evidence.json'), 'utf8'))).claims.map(
      (claim) => [claim.id, claim.ran ? claim.result : 'not run'],
    ),
  );

describe('gate sharding', () => {
  test('two shards merged equal one whole run, claim by claim', { timeout: 600_000 }, () => {
    const whole = run(['run', '--claims', CLAIMS], `shard-whole-${stamp}`);
    expect(whole.status, whole.output).toBe(0);
    const shards = [1, 2].map((i) => {
      const shard = run(['run', '--claims', CLAIMS, '--shard', `${i}/2`], `shard-${i}-of-2-${stamp}`);
      expect(shard.status, shard.output).toBe(0);
      return path.resolve('reports', `shard-${i}-of-2-${stamp}`);
    });
    // each shard ran only part of the claims
    for (const dir of shards) expect(Object.values(resultsOf(dir))).toContain('not run');
    const mergedDir = path.resolve('reports', `shard-merged-${stamp}`);
    const merged = run(['merge', '--out', mergedDir, ...shards], `shard-merge-${stamp}`);
    expect(merged.status, merged.output).toBe(0);
    const wholeResults = resultsOf(path.resolve('reports', `shard-whole-${stamp}`));
    expect(resultsOf(mergedDir)).toEqual(wholeResults);
    for (const id of CLAIMS.split(',')) expect(wholeResults[id]).toBe('pass');
  });
});

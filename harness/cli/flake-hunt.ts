// `npm run flake-hunt -- --runs 20`: N gates in a row against the reference, then N kill matrices of a mutant sample; any false alarm, error or survivor is red.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';

const DEFAULT_SAMPLE =
  'log-request-headers,revocation-cached,rls-policy-true,tls11-enabled,ratelimit-racy,early-exit-compare,throttle-check-then-record';
let values: { runs: string; mutants: string; 'mutant-runs'?: string };
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      mutants: { type: 'string', default: DEFAULT_SAMPLE },
      'mutant-runs': { type: 'string' },
    },
  }) as { values: typeof values });
} catch (error) {
  process.stderr.write(
    `flake-hunt: ${(error as Error).message}\nusage: npm run flake-hunt -- [--runs 20] [--mutants a,b] [--mutant-runs N]\n`,
  );
  process.exit(2);
}
const runs = Number(values.runs);
const mutantRuns = Number(values['mutant-runs'] ?? values.runs);
if (!Number.isInteger(runs) || runs < 0 || !Number.isInteger(mutantRuns) || mutantRuns < 0) {
  process.stderr.write('flake-hunt: --runs and --mutant-runs are non-negative integers\n');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.resolve('reports', `flake-hunt-${stamp}`);
mkdirSync(outDir, { recursive: true });

const claimTally = new Map<string, Record<string, number>>();
const durations = new Map<string, number[]>();
const gateExits: number[] = [];
const gateSeconds: number[] = [];
for (let i = 1; i <= runs; i++) {
  const runId = `flake-${stamp}-${i}`;
  const started = Date.now();
  const result = spawnSync(process.execPath, ['harness/cli/gate.ts'], {
    env: { ...process.env, HARNESS_RUN_ID: runId },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  gateExits.push(result.status ?? 1);
  gateSeconds.push(Math.round((Date.now() - started) / 100) / 10);
  const evidence = path.resolve('reports', runId, 'evidence.json');
  if (existsSync(evidence)) {
    const report = EvidenceReportSchema.parse(JSON.parse(readFileSync(evidence, 'utf8')));
    for (const claim of report.claims) {
      const tally = claimTally.get(claim.id) ?? {};
      tally[claim.result] = (tally[claim.result] ?? 0) + 1;
      claimTally.set(claim.id, tally);
      for (const check of claim.checks)
        durations.set(check.title, [...(durations.get(check.title) ?? []), check.durationMs]);
    }
  }
  process.stderr.write(`[flake-hunt] gate ${i}/${runs}: exit ${result.status} in ${gateSeconds.at(-1)} s\n`);
}

const mutantTally = new Map<string, Record<string, number>>();
for (let i = 1; i <= mutantRuns && values.mutants; i++) {
  const before = new Set(readdirSync('reports'));
  spawnSync(process.execPath, ['harness/cli/mutants.ts', '--only', values.mutants], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const dir = readdirSync('reports').find((entry) => entry.startsWith('mutants-') && !before.has(entry));
  const matrix = dir ? path.resolve('reports', dir, 'matrix.json') : null;
  const rows =
    matrix && existsSync(matrix)
      ? (JSON.parse(readFileSync(matrix, 'utf8')).rows as Array<{ mutant: string; verdict: string }>)
      : [];
  for (const name of values.mutants.split(',')) {
    const verdict = rows.find((r) => r.mutant === name)?.verdict ?? 'missing';
    const tally = mutantTally.get(name) ?? {};
    tally[verdict] = (tally[verdict] ?? 0) + 1;
    mutantTally.set(name, tally);
  }
  process.stderr.write(
    `[flake-hunt] kill matrix ${i}/${mutantRuns}: ${rows.map((r) => `${r.mutant}=${r.verdict}`).join(' ')}\n`,
  );
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const spread = [...durations.entries()]
  .map(([title, xs]) => ({
    title,
    min: Math.min(...xs),
    median: quantile(xs, 0.5),
    max: Math.max(...xs),
    runs: xs.length,
  }))
  .sort((a, b) => b.max - b.min - (a.max - a.min));
const falseAlarms = [...claimTally.entries()].filter(([, t]) => (t.fail ?? 0) > 0);
const errors = [...claimTally.entries()].filter(([, t]) => (t.error ?? 0) > 0);
const survivors = [...mutantTally.entries()].filter(([, t]) => (t.killed ?? 0) !== mutantRuns);
const summary = {
  runs,
  mutantRuns,
  gateExits,
  gateSeconds,
  claims: Object.fromEntries(claimTally),
  mutants: Object.fromEntries(mutantTally),
  spread,
};
writeFileSync(path.join(outDir, 'flake-hunt.json'), `${JSON.stringify(summary, null, 2)}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(1).padStart(6);
const lines = [
  `gates: ${runs}, exits ${gateExits.join(' ')}`,
  `gate wall time (s, min / median / max): ${gateSeconds.length > 0 ? [Math.min(...gateSeconds), quantile(gateSeconds, 0.5), Math.max(...gateSeconds)].join(' / ') : '-'}`,
  `false alarms (fail on the reference): ${falseAlarms.map(([id, t]) => `${id} ${t.fail}×`).join(', ') || 'none'}`,
  `errors: ${errors.map(([id, t]) => `${id} ${t.error}×`).join(', ') || 'none'}`,
  `mutants (${mutantRuns} matrices): ${[...mutantTally.entries()].map(([m, t]) => `${m} ${JSON.stringify(t)}`).join(', ') || '-'}`,
  'duration spread per test (widest first; min / median / max s):',
  ...spread.slice(0, 25).map((s) => `  ${seconds(s.min)} ${seconds(s.median)} ${seconds(s.max)}  ${s.title}`),
];
writeFileSync(path.join(outDir, 'flake-hunt.txt'), `${lines.join('\n')}\n`);
process.stdout.write(
  `${lines.join('\n')}\n\nreport: ${path.relative(process.cwd(), outDir)}/flake-hunt.txt\n`,
);
process.exitCode =
  falseAlarms.length || errors.length || survivors.length || gateExits.some((e) => e !== 0) ? 1 : 0;

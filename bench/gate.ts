// Benchmark: the full gate's wall time and each claim family's share, against a baseline git ref measured in the same run.
// Run: node_modules/.bin/node bench/gate.ts [--baseline-ref origin/main~1] [--rounds 1]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { 'baseline-ref': { type: 'string' }, rounds: { type: 'string', default: '1' } },
});
const ROUNDS = Number(values.rounds);
const root = path.resolve(import.meta.dirname, '..');

interface GateRun {
  wallMs: number;
  exitCode: number;
  /** family → summed check time (ms) */
  families: Record<string, number>;
}

function runGate(cwd: string, label: string, round: number): GateRun {
  const runId = `bench-${label}-${round}-${Date.now()}`;
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(cwd, 'harness/cli/gate.ts')], {
    cwd,
    env: { ...process.env, HARNESS_RUN_ID: runId },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const wallMs = performance.now() - started;
  const families: Record<string, number> = {};
  const evidence = path.join(cwd, 'reports', runId, 'evidence.json');
  if (existsSync(evidence)) {
    const report = JSON.parse(readFileSync(evidence, 'utf8')) as {
      claims: Array<{ family: string; checks: Array<{ durationMs: number }> }>;
    };
    for (const claim of report.claims) {
      families[claim.family] =
        (families[claim.family] ?? 0) + claim.checks.reduce((n, c) => n + c.durationMs, 0);
    }
  }
  process.stderr.write(
    `[bench] ${label} round ${round}: ${(wallMs / 1000).toFixed(1)} s, exit ${result.status}\n`,
  );
  return { wallMs, exitCode: result.status ?? 1, families };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function measure(cwd: string, label: string): GateRun[] {
  return Array.from({ length: ROUNDS }, (_, i) => runGate(cwd, label, i + 1));
}

let baselineDir: string | null = null;
const ref = values['baseline-ref'];
if (ref) {
  baselineDir = mkdtempSync(path.join(tmpdir(), 'bench-baseline-'));
  const added = spawnSync('git', ['worktree', 'add', '--detach', baselineDir, ref], {
    cwd: root,
    stdio: 'inherit',
  });
  if (added.status !== 0) throw new Error(`git worktree add ${ref} failed`);
  symlinkSync(path.join(root, 'node_modules'), path.join(baselineDir, 'node_modules'));
}
try {
  // Interleave nothing: baseline first, then current, on the same machine state as far as one run allows.
  const baseline = baselineDir ? measure(baselineDir, 'baseline') : null;
  const current = measure(root, 'current');
  const wall = median(current.map((r) => r.wallMs));
  const shares = current[0]?.families ?? {};
  const total = Object.values(shares).reduce((a, b) => a + b, 0) || 1;
  process.stdout.write(
    `\ngate wall time (median of ${ROUNDS}): ${(wall / 1000).toFixed(1)} s (target ≤ 60 s: ${(wall / 60_000).toFixed(2)}× of it)\n`,
  );
  process.stdout.write('share of check time per family:\n');
  for (const [family, ms] of Object.entries(shares).sort((a, b) => b[1] - a[1])) {
    process.stdout.write(
      `  ${family.padEnd(10)} ${((ms / total) * 100).toFixed(1).padStart(5)} %  (${(ms / 1000).toFixed(1)} s of check time)\n`,
    );
  }
  if (baseline) {
    const base = median(baseline.map((r) => r.wallMs));
    process.stdout.write(
      `baseline ${ref}: ${(base / 1000).toFixed(1)} s; current/baseline = ${(wall / base).toFixed(2)}×\n`,
    );
  }
  const red = current.filter((r) => r.exitCode !== 0).length;
  if (red) process.stdout.write(`warning: ${red} of ${ROUNDS} current runs were not green\n`);
} finally {
  if (baselineDir) {
    spawnSync('git', ['worktree', 'remove', '--force', baselineDir], { cwd: root });
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

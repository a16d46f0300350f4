import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mutantsOfClaims } from '../claims.ts';
import { onProcessExit } from '../cleanup-stack.ts';
import { createPostgresTemplate, removePostgresTemplate } from '../embedded/postgres.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest } from '../manifest.ts';
import { formatMatrix, type MatrixRow, shippedMutants, suiteFilesOfClaims, verdictOf } from '../mutants.ts';
import { renderMatrixHtml } from '../report/matrix-html.ts';
import { renderStrykerReport } from '../report/stryker.ts';
import { runSuitesRun } from './run-steps.ts';

const USAGE = `usage: npm run mutants [-- --only name,name] [--scope claims|all] [--jobs N]

Runs the suites against each shipped mutant of the reference proxy (reference-proxy/mutants/) and
writes the kill matrix (reports/mutants-<time>/matrix.{txt,html}). A mutant is killed when every
claim that names it fails. --scope claims (default) runs the suite files of those claims, all runs
every suite; --jobs is how many mutants run at once (default 2). Exit 0 when every mutant is
killed, 1 otherwise, 2 on bad arguments.
`;
let values: { only?: string; scope: string; jobs: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      only: { type: 'string' },
      scope: { type: 'string', default: 'claims' },
      // two mutant runs at once fill this machine's two cores (each run mostly waits on its target)
      jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  process.stderr.write(`mutants: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const jobs = Number(values.jobs);
if (!Number.isInteger(jobs) || jobs < 1 || jobs > 8) {
  process.stderr.write(`--jobs is how many mutants run at once, 1–8 (got ${values.jobs})\n`);
  process.exit(2);
}
if (values.scope !== 'claims' && values.scope !== 'all') {
  process.stderr.write(
    `--scope is 'claims' (the suite files of the claims a mutant must break; default) or 'all'\n`,
  );
  process.exit(2);
}

const shipped = shippedMutants();
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : shipped;
const unknown = selected.filter((name) => !shipped.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown mutant(s): ${unknown.join(', ')}. Shipped: ${shipped.join(', ')}\n`);
  process.exit(2);
}
const notShipped = [...mutantsOfClaims().keys()].filter((name) => !shipped.includes(name)).sort();

// The reference manifest's run.process.mutantCommand starts a mutant; the environment appends its name.
const base = await loadManifest(DEFAULT_MANIFEST_PATH);
if (!base.run.process?.mutantCommand) {
  throw new Error(
    `${DEFAULT_MANIFEST_PATH} needs run.process.mutantCommand to start the reference proxy's mutants`,
  );
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.resolve('reports', `mutants-${stamp}`);
mkdirSync(outDir, { recursive: true });

// One initdb for the whole matrix: every mutant's run copies this cluster's data directory (its own
// port, log, passwords and login role), so only the target process is new work per mutant.
const templateStarted = performance.now();
const templateDir = await createPostgresTemplate(
  path.join(tmpdir(), `mintoken-harness-pg-template-${stamp}`),
);
const unregisterTemplateHook = onProcessExit(() => rmSync(templateDir, { recursive: true, force: true }));
process.stderr.write(
  `[mutants] postgres template ready in ${Math.round(performance.now() - templateStarted)} ms; ${jobs} mutant(s) at a time\n`,
);

async function runSuites(mutant: string, attempt = 1): Promise<MatrixRow> {
  const runId = `mutant-${mutant}-${stamp}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  const started = Date.now();
  // The default runs only the suite files holding controls of the claims that must kill the mutant
  // (bounded CI time); `--scope all` runs every suite, so the matrix shows every claim it breaks.
  const expected = verdictOf(mutant, null, null).expected;
  const files = values.scope === 'all' || expected.length === 0 ? [] : suiteFilesOfClaims(expected);
  if (values.scope !== 'all' && expected.length > 0 && files.length === 0) {
    process.stderr.write(`[mutants] ${mutant}: no suite file holds a control of ${expected.join(', ')}\n`);
    return { ...verdictOf(mutant, null, null), verdict: 'survived' };
  }
  const { report, reportPath } = await runSuitesRun({
    label: `[mutants] ${mutant}`,
    runId,
    files,
    env: {
      HARNESS_TARGET: DEFAULT_MANIFEST_PATH,
      HARNESS_MUTANT: mutant,
      HARNESS_POSTGRES_TEMPLATE: templateDir,
    },
    logFile: path.join(outDir, `${mutant}${attempt > 1 ? `.attempt${attempt}` : ''}.log`),
  });
  const row = verdictOf(mutant, report, reportPath);
  process.stderr.write(
    `[mutants] ${mutant}: ${row.verdict} in ${Math.round((Date.now() - started) / 1000)} s (failed: ${row.failed.join(' ') || 'none'})\n`,
  );
  // A broken run (the target never started, a port taken, a check that could not finish) proved nothing
  // either way: run it once more and say so. A survivor is never retried: that is a verdict.
  if (row.verdict === 'broken' && attempt === 1) {
    const why =
      report?.runErrors[0]?.split('\n')[0] ?? row.pairs.map((p) => `${p.claim}=${p.result}`).join(' ');
    process.stderr.write(
      `[mutants] ${mutant}: broken on the first attempt (${why.slice(0, 200)}); running it once more\n`,
    );
    const retried = await runSuites(mutant, 2);
    return { ...retried, retriedAfter: `attempt 1 broken: ${why.slice(0, 300)}` };
  }
  return row;
}

// `jobs` workers take the next mutant in turn; each run keeps its own run id, log and evidence report.
const rowsByIndex: MatrixRow[] = [];
const matrixStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(jobs, selected.length) }, async () => {
    while (next < selected.length) {
      const index = next++;
      const mutant = selected[index] ?? '';
      process.stderr.write(`[mutants] ${index + 1}/${selected.length} ${mutant}: running the suites…\n`);
      rowsByIndex[index] = await runSuites(mutant);
    }
  }),
);
await removePostgresTemplate(templateDir);
unregisterTemplateHook();
const rows = selected.map((_, index) => rowsByIndex[index] as MatrixRow);
const matrix = formatMatrix(rows, values.only ? [] : notShipped);
writeFileSync(path.join(outDir, 'matrix.json'), `${JSON.stringify({ rows, notShipped }, null, 2)}\n`);
writeFileSync(path.join(outDir, 'matrix.txt'), `${matrix}\n`);
// The same matrix in Stryker's mutation-testing-report-schema, for the standard mutation report viewer.
writeFileSync(
  path.join(outDir, 'mutation-testing-report.json'),
  renderStrykerReport(rows, { suiteFileOf: (claim) => suiteFilesOfClaims([claim])[0] ?? null }),
);
writeFileSync(
  path.join(outDir, 'matrix.html'),
  renderMatrixHtml(rows, values.only ? [] : notShipped, outDir),
);
process.stdout.write(
  `\n${matrix}\n\nmatrix and per-mutant reports: ${path.relative(process.cwd(), outDir)}/matrix.html\n`,
);
const killed = rows.filter((r) => r.verdict === 'killed').length;
process.stdout.write(
  `mutants: ${killed} killed, ${rows.length - killed} not killed in ${Math.round((performance.now() - matrixStarted) / 1000)} s (${jobs} at a time)\n`,
);
process.exitCode = killed === rows.length ? 0 : 1;

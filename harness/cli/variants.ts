import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadManifest } from '../manifest.ts';
import { suiteFilesOfClaims } from '../mutants.ts';
import { loadVariant, shippedVariants, type VariantRow, variantManifest, variantRowOf } from '../variants.ts';
import { runSuitesRun } from './run-steps.ts';

let values: { only?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean' } } }));
} catch (error) {
  process.stderr.write(`variants: ${(error as Error).message}\nusage: npm run variants [-- --only a,b]\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(
    'usage: npm run variants [-- --only name,name]\n\nRuns each reference variant (reference-proxy/test/variants/) with the suite files of the\nclaims it lists; exit 0 when every listed claim passes on every variant, 1 otherwise.\n',
  );
  process.exit(0);
}
const shipped = shippedVariants();
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : shipped;
const unknown = selected.filter((name) => !shipped.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown variant(s): ${unknown.join(', ')}. Shipped: ${shipped.join(', ')}\n`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.resolve('reports', `variants-${stamp}`);
mkdirSync(outDir, { recursive: true });

async function runVariant(name: string, attempt = 1): Promise<VariantRow> {
  const variant = await loadVariant(name);
  const manifestPath = path.join(outDir, `${name}.yaml`);
  writeFileSync(manifestPath, stringify(variantManifest(name, variant)));
  await loadManifest(manifestPath); // a variant whose manifest is invalid stops here, naming the field
  const runId = `variant-${name}-${stamp}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  const started = Date.now();
  const { report, reportPath } = await runSuitesRun({
    label: `[variants] ${name}`,
    runId,
    files: suiteFilesOfClaims(variant.claims),
    env: { HARNESS_TARGET: manifestPath, HARNESS_MUTANT: '' },
    logFile: path.join(outDir, `${name}${attempt > 1 ? `.attempt${attempt}` : ''}.log`),
  });
  const row = variantRowOf(name, variant, report, reportPath);
  const results = Object.entries(row.results)
    .map(([id, result]) => `${id}=${result}`)
    .join(' ');
  process.stderr.write(
    `[variants] ${name}: ${row.held ? 'held' : 'DID NOT HOLD'} in ${Math.round((Date.now() - started) / 1000)} s (${results})\n`,
  );
  for (const reason of row.reasons) process.stderr.write(`[variants]   ${reason}\n`);
  // Only `error`s (the harness could not tell: a busy machine, a port taken) earn one more run, said so;
  // a `fail` on a variant is a false alarm of the harness and is never retried away.
  const outcomes = Object.values(row.results);
  if (
    !row.held &&
    attempt === 1 &&
    !outcomes.includes('fail') &&
    outcomes.some((r) => r === 'error' || r === 'missing')
  ) {
    process.stderr.write(`[variants] ${name}: only errors, no failure; running it once more\n`);
    const retried = await runVariant(name, 2);
    return {
      ...retried,
      reasons: [...retried.reasons, `(attempt 1 did not hold: ${row.reasons.join('; ').slice(0, 300)})`],
    };
  }
  return row;
}

const rows: VariantRow[] = [];
for (const [index, name] of selected.entries()) {
  process.stderr.write(`[variants] ${index + 1}/${selected.length} ${name}: running its claims…\n`);
  rows.push(await runVariant(name));
}
writeFileSync(path.join(outDir, 'variants.json'), `${JSON.stringify(rows, null, 2)}\n`);
const lines = rows.map(
  (r) =>
    `${r.held ? 'held        ' : 'DID NOT HOLD'}  ${r.variant.padEnd(32)} ${Object.entries(r.results)
      .map(([id, result]) => `${id}=${result}`)
      .join(' ')}`,
);
process.stdout.write(`\n${lines.join('\n')}\n\nvariant reports: ${path.relative(process.cwd(), outDir)}\n`);
const held = rows.filter((r) => r.held).length;
process.stdout.write(`variants: ${held} held, ${rows.length - held} did not\n`);
process.exitCode = held === rows.length ? 0 : 1;

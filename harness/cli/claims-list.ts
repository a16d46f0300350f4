// `mintoken-harness claims`: the catalogue as text or JSON, with each claim's suite files and the mutants that must kill it.
import { parseArgs } from 'node:util';
import { CLAIMS } from '../claims.ts';
import { suiteFilesOfClaims } from '../mutants.ts';

const { values, positionals } = parseArgs({ options: { json: { type: 'boolean' } }, allowPositionals: true });
const wanted = positionals.map((p) => p.toUpperCase());
const selected = CLAIMS.filter(
  (claim) => wanted.length === 0 || wanted.some((w) => claim.id === w || claim.id.startsWith(`${w}-`)),
);
if (selected.length === 0) {
  process.stderr.write(
    `claims: nothing matches ${wanted.join(' ')} (IDs like AUTH-03 or families like TENANCY)\n`,
  );
  process.exit(2);
}
const rows = selected.map((claim) => ({
  id: claim.id,
  claim: claim.claim,
  proof: claim.proof,
  controls: suiteFilesOfClaims([claim.id]),
  mutants: claim.mutants,
}));
if (values.json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  for (const row of rows) {
    process.stdout.write(
      `${row.id}  ${row.claim}\n  how:      ${row.proof}\n  controls: ${row.controls.join(', ') || '(none yet)'}\n  mutants:  ${row.mutants.join(', ')}\n\n`,
    );
  }
}

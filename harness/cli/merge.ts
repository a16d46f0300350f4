// `mintoken-harness merge --out DIR SHARD...`: one evidence report (and gate verdict) from the reports of gate shards.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderBundle, sealBundle, signingKeyFromEnv } from '../bundle/index.ts';
import { gateVerdictOf } from '../gate/gate-verdict.ts';
import { mergeEvidence } from '../gate/merge.ts';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';
import { renderEvidenceHtml } from '../report/html.ts';

const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
if (!values.out || positionals.length === 0) {
  process.stderr.write('usage: mintoken-harness merge --out DIR SHARD_REPORT_DIR...\n');
  process.exit(2);
}
const shards = positionals.map((dir) => {
  const file = path.join(dir, 'evidence.json');
  if (!existsSync(file)) {
    process.stderr.write(`merge: ${file} does not exist: give the report directories of the shards\n`);
    process.exit(2);
  }
  return EvidenceReportSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
});
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });
const merged = mergeEvidence(shards, path.basename(out));
writeFileSync(path.join(out, 'evidence.json'), `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(path.join(out, 'evidence.html'), renderEvidenceHtml(merged));
// The merged bundle carries every format a CI uploads (SARIF for code scanning), sealed and signed like a run's.
for (const format of ['html', 'junit', 'sarif', 'oscal'] as const) await renderBundle(out, format);
sealBundle(out, { key: signingKeyFromEnv(), prev: null });
const verdict = gateVerdictOf(merged);
if (verdict.lines.length) process.stdout.write(`claims that are not pass:\n${verdict.lines.join('\n')}\n`);
process.stdout.write(
  `${verdict.headline}\nmerged evidence: ${path.relative(process.cwd(), out)}/evidence.html\n`,
);
process.exitCode = verdict.exitCode;

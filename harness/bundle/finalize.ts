/** Turns a run's report folder into the evidence bundle: redacted, logs compressed, every format, sealed. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type EvidenceReport, EvidenceReportSchema } from '../report/evidence-schema.ts';
import {
  bundleFiles,
  CHAIN_FILE,
  MANIFEST_FILE,
  type SealResult,
  SIGNATURE_FILE,
  type SigningKey,
  sealBundle,
} from './integrity.ts';
import { compressLogs, logOriginals } from './logs.ts';
import { renderPdf } from './pdf.ts';
import { type RedactionReport, redactBundle } from './redact.ts';
import { BUNDLE_FORMATS, RENDERED_FILES, readEvidence, renderText } from './render.ts';
import { sha256Hex } from './run-info.ts';

export interface FinalizeOptions {
  /** name → value of the run's backend secrets and canaries: any of them in the bundle fails the run */
  secrets: Readonly<Record<string, string>>;
  /** keep logs in full (a claim did not pass), otherwise only their tail: for every log, or per log (bundle-relative path) */
  fullLogs: boolean | ((file: string) => boolean);
  /** the previous bundle this one chains to */
  prev: { runId: string | null; manifestSha256: string } | null;
  /** signs manifest.sha256; null writes an unsigned bundle (with a warning from the caller) */
  key: SigningKey | null;
  /** render report.pdf within this many ms (skipped, with a note, when slower or Chromium is missing); null: no PDF */
  pdfBudgetMs?: number | null;
}

export interface FinalizeResult {
  report: EvidenceReport;
  redaction: RedactionReport;
  seal: SealResult;
  /** the PDF's path, or why there is none */
  pdf: { path: string | null; note: string | null };
}

/** Files the bundle writes about itself: not artifacts of the run. */
const OWN_FILES = new Set([
  'evidence.json',
  MANIFEST_FILE,
  SIGNATURE_FILE,
  CHAIN_FILE,
  ...BUNDLE_FORMATS.flatMap((f) => RENDERED_FILES[f]),
]);

function artifactsOf(dir: string): EvidenceReport['artifacts'] {
  return bundleFiles(dir)
    .filter((file) => !OWN_FILES.has(file))
    .map((file) => {
      const full = path.join(dir, file);
      return { path: file, bytes: statSync(full).size, sha256: sha256Hex(readFileSync(full)) };
    });
}

/**
 * Finalises `<dir>` (which holds evidence.json and the run's logs): sweeps it for the run's secrets and
 * fingerprints provider-key-shaped strings, gzips the logs (the tail only when `fullLogs` is false), records
 * artifacts, redaction and chain in evidence.json, writes index.html, evidence.html, junit.xml, results.sarif,
 * the OSCAL document and (within budget) report.pdf, then seals it. A secret found adds a run error to
 * evidence.json: the gate's verdict can no longer be green.
 */
export async function finalizeBundle(dir: string, options: FinalizeOptions): Promise<FinalizeResult> {
  const originals = logOriginals(dir);
  const redaction = redactBundle(dir, options.secrets);
  const logs = compressLogs(dir, { full: options.fullLogs, originals });
  const before = readEvidence(dir);
  const runErrors = [...before.runErrors];
  if (redaction.findings.length > 0) {
    runErrors.push(
      `bundle self-redaction: run secret(s) found in the bundle and replaced by fingerprints: ${redaction.findings
        .map((f) => `${f.secret} in ${f.file} (${f.form}, ×${f.count})`)
        .join('; ')}`,
    );
  }
  const report = EvidenceReportSchema.parse({
    ...before,
    schemaVersion: 2,
    runErrors,
    logs,
    artifacts: artifactsOf(dir),
    integrity: { prev: options.prev, redaction },
  });
  writeFileSync(path.join(dir, 'evidence.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const format of ['html', 'junit', 'sarif', 'oscal'] as const) {
    const text = renderText(report, format);
    for (const file of RENDERED_FILES[format]) writeFileSync(path.join(dir, file), text);
  }
  const pdf: FinalizeResult['pdf'] = { path: null, note: null };
  if (options.pdfBudgetMs != null) {
    try {
      pdf.path = await renderPdf(dir, { timeoutMs: options.pdfBudgetMs });
    } catch (error) {
      pdf.note = `report.pdf not rendered (${error instanceof Error ? error.message : String(error)}); render it with \`mintoken-harness report ${path.relative(process.cwd(), dir)} --format pdf\``;
    }
  }
  const seal = sealBundle(dir, { key: options.key, prev: options.prev });
  return { report, redaction, seal, pdf };
}

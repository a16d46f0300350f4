/** Renders a bundle's human and machine formats from its evidence.json: html, pdf, junit, sarif, oscal. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type EvidenceReport, EvidenceReportSchema } from '../report/evidence-schema.ts';
import { renderEvidenceHtml } from '../report/html.ts';
import { renderJunit } from '../report/junit.ts';
import { renderOscal } from '../report/oscal.ts';
import { renderSarif } from '../report/sarif.ts';
import { MANIFEST_FILE } from './integrity.ts';
import { PDF_FILE, renderPdf } from './pdf.ts';

export const BUNDLE_FORMATS = ['html', 'pdf', 'junit', 'sarif', 'oscal'] as const;
export type BundleFormat = (typeof BUNDLE_FORMATS)[number];

/** The file each format writes (html also writes evidence.html, the name earlier reports used). */
export const RENDERED_FILES: Record<BundleFormat, readonly string[]> = {
  html: ['index.html', 'evidence.html'],
  pdf: [PDF_FILE],
  junit: ['junit.xml'],
  sarif: ['results.sarif'],
  oscal: ['assessment-results.oscal.json'],
};

/** Reads and validates `<dir>/evidence.json`, naming the file when it is not an evidence report. */
export function readEvidence(dir: string): EvidenceReport {
  const file = path.join(dir, 'evidence.json');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `${file} is not readable JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const parsed = EvidenceReportSchema.safeParse(data);
  if (!parsed.success)
    throw new Error(`${file} is not an evidence report: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The text formats, rendered from a report in memory (deterministic: the same report gives the same bytes). */
export function renderText(report: EvidenceReport, format: Exclude<BundleFormat, 'pdf'>): string {
  switch (format) {
    case 'html':
      return renderEvidenceHtml(report);
    case 'junit':
      return renderJunit(report);
    case 'sarif':
      return renderSarif(report);
    case 'oscal':
      return renderOscal(report);
  }
}

/**
 * Re-renders one format of the bundle in `dir` from its evidence.json into `out` (default: the bundle itself)
 * and returns the files written. Into a sealed bundle it only writes what leaves it verifying: the text formats
 * when they come out byte-identical. A PDF, or a text rendered differently (another harness version), needs
 * `out`: it throws saying so rather than break the bundle's manifest.
 */
export async function renderBundle(
  dir: string,
  format: BundleFormat,
  options: { out?: string; timeoutMs?: number } = {},
): Promise<string[]> {
  const out = options.out ?? dir;
  const sealed = path.resolve(out) === path.resolve(dir) && existsSync(path.join(dir, MANIFEST_FILE));
  const refuse = (file: string) =>
    new Error(
      `${dir} is sealed: writing ${file} into it would make \`verify\` fail; render into another directory (out / --out DIR)`,
    );
  mkdirSync(out, { recursive: true });
  if (format === 'pdf') {
    if (sealed) throw refuse(PDF_FILE);
    if (out !== dir) writeFileSync(path.join(out, 'index.html'), renderText(readEvidence(dir), 'html'));
    return [await renderPdf(out, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })];
  }
  const text = renderText(readEvidence(dir), format);
  if (sealed) {
    for (const file of RENDERED_FILES[format]) {
      const current = path.join(dir, file);
      if (!existsSync(current) || readFileSync(current, 'utf8') !== text) throw refuse(file);
    }
  }
  return RENDERED_FILES[format].map((file) => {
    const target = path.join(out, file);
    writeFileSync(target, text);
    return target;
  });
}

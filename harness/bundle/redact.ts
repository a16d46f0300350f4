/** Self-redaction of a bundle before it is sealed: provider-key-shaped strings fingerprinted, run secrets found and removed. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprint } from '../probes/canary.ts';
import { bundleFiles } from './integrity.ts';

/**
 * Strings secret scanners (GitHub secret scanning, gitleaks) flag as provider keys: the sweep's planted
 * controls and the tests' canaries are shaped like them on purpose. In a bundle they become fingerprints.
 */
export const PROVIDER_KEY_SHAPES: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'openai-key', pattern: /sk-proj-[A-Za-z0-9_-]{20,}/g },
  { name: 'anthropic-key', pattern: /sk-ant-api03-[A-Za-z0-9_-]{20,}/g },
  { name: 'google-key', pattern: /AIza[0-9A-Za-z_-]{35}/g },
];

/** `[redacted openai-key sha256:…]`: names the value by fingerprint, matches no scanner's pattern. */
export function redactedMarker(kind: string, value: string): string {
  return `[redacted ${kind} ${fingerprint(value)}]`;
}

/** Replaces every provider-key-shaped string in `text` by its fingerprint; returns the text and the count. */
export function fingerprintProviderKeys(text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const shape of PROVIDER_KEY_SHAPES) {
    out = out.replace(shape.pattern, (value) => {
      count += 1;
      return redactedMarker(shape.name, value);
    });
  }
  return { text: out, count };
}

/** The encodings a run secret is looked for in: raw, hex, base64 at each byte alignment, base64url. */
export function secretForms(value: string): Array<{ form: string; needle: Buffer }> {
  const bytes = Buffer.from(value, 'utf8');
  const forms: Array<{ form: string; needle: Buffer }> = [
    { form: 'raw', needle: bytes },
    { form: 'hex', needle: Buffer.from(bytes.toString('hex')) },
    { form: 'HEX', needle: Buffer.from(bytes.toString('hex').toUpperCase()) },
  ];
  for (const url of [false, true]) {
    for (const alignment of [0, 1, 2] as const) {
      const encoded = Buffer.concat([Buffer.alloc(alignment), bytes]).toString(url ? 'base64url' : 'base64');
      const skip = [0, 2, 3][alignment] ?? 0;
      const complete = Math.floor((alignment + bytes.length) / 3) * 4;
      forms.push({
        form: `${url ? 'base64url' : 'base64'}@${alignment}`,
        needle: Buffer.from(encoded.slice(skip, complete)),
      });
    }
  }
  // de-duplicate (base64 and base64url agree for most values)
  const seen = new Set<string>();
  return forms.filter(
    (f) => f.needle.length >= 8 && !seen.has(f.needle.toString()) && seen.add(f.needle.toString()),
  );
}

function replaceAll(haystack: Buffer, needle: Buffer, replacement: Buffer): { bytes: Buffer; count: number } {
  const parts: Buffer[] = [];
  let count = 0;
  let from = 0;
  for (let at = haystack.indexOf(needle, from); at !== -1; at = haystack.indexOf(needle, from)) {
    parts.push(haystack.subarray(from, at), replacement);
    from = at + needle.length;
    count += 1;
  }
  if (count === 0) return { bytes: haystack, count };
  parts.push(haystack.subarray(from));
  return { bytes: Buffer.concat(parts), count };
}

export interface RedactionFinding {
  file: string;
  /** the secret's name and fingerprint, never its value */
  secret: string;
  form: string;
  count: number;
}

export interface RedactionReport {
  fingerprinted: number;
  findings: RedactionFinding[];
}

const TEXT_EXTENSIONS = /\.(log|json|html|xml|sarif|txt|md|yaml|yml|csv|ndjson|sql)$/;

/**
 * Sweeps every file of `dir` (uncompressed; call before gzipping): provider-key-shaped strings in text files
 * become fingerprints (expected, counted), and each run secret (name → value) found in any form is replaced by
 * its fingerprint and reported: a finding means the run must fail, the bundle itself no longer holds it.
 */
export function redactBundle(dir: string, secrets: Readonly<Record<string, string>>): RedactionReport {
  const report: RedactionReport = { fingerprinted: 0, findings: [] };
  const needles = Object.entries(secrets)
    .filter(([, value]) => value.length >= 8)
    .flatMap(([name, value]) =>
      secretForms(value).map((f) => ({ ...f, secret: `${name} ${fingerprint(value)}`, name, value })),
    );
  for (const file of bundleFiles(dir)) {
    const full = path.join(dir, file);
    let bytes: Buffer = readFileSync(full);
    let changed = false;
    for (const needle of needles) {
      const replaced = replaceAll(
        bytes,
        needle.needle,
        Buffer.from(redactedMarker(needle.name, needle.value)),
      );
      if (replaced.count > 0) {
        report.findings.push({ file, secret: needle.secret, form: needle.form, count: replaced.count });
        bytes = replaced.bytes;
        changed = true;
      }
    }
    if (TEXT_EXTENSIONS.test(file)) {
      const { text, count } = fingerprintProviderKeys(bytes.toString('utf8'));
      if (count > 0) {
        report.fingerprinted += count;
        bytes = Buffer.from(text, 'utf8');
        changed = true;
      }
    }
    if (changed) writeFileSync(full, bytes);
  }
  return report;
}

/** Canaries shaped like real credentials, every encoding a leak could take, and a sweep that finds them. */
import { createHash } from 'node:crypto';
import { generateCanary as randomBase62 } from '../run-secrets.ts';
/** A leak of this many consecutive characters of a secret counts as a leak (claims.md: "any 16-char fragment"). */
export const FRAGMENT_LENGTH = 16;

export type CanaryShape = 'openai' | 'anthropic' | 'google' | 'mt_live' | 'text';

/** A fresh value shaped like a real provider key, so a target's own key detection treats it as one. */
export function makeCanary(shape: CanaryShape): string {
  switch (shape) {
    case 'openai':
      return `sk-proj-${randomBase62(48)}`;
    case 'anthropic':
      return `sk-ant-api03-${randomBase62(80)}`;
    case 'google':
      return `AIza${randomBase62(35)}`;
    case 'mt_live':
      return `mt_live_${randomBase62(38)}`;
    case 'text':
      return `canary-${randomBase62(32)}`;
  }
}

/** How evidence names a canary: never the value itself. */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/** Base64 of `value` as it appears inside a longer encoded stream at byte offset `alignment` mod 3. */
function base64AtAlignment(value: Buffer, alignment: 0 | 1 | 2, url: boolean): string {
  const encoded = Buffer.concat([Buffer.alloc(alignment), value]).toString(url ? 'base64url' : 'base64');
  const skip = [0, 2, 3][alignment] ?? 0;
  const complete = Math.floor((alignment + value.length) / 3) * 4;
  return encoded.slice(skip, complete);
}

export interface CanaryForm {
  form: string;
  needle: Buffer;
}

/** Every form of `secret` the sweep looks for; forms that coincide are listed once. */
export function canaryForms(
  secret: string,
  options: { fragments?: boolean; utf16?: boolean } = {},
): CanaryForm[] {
  const raw = Buffer.from(secret, 'utf8');
  const candidates: Array<[string, string | Buffer]> = [
    ['raw', secret],
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
    ['url-encoded', encodeURIComponent(secret)],
    ['json-escaped', JSON.stringify(secret).slice(1, -1)],
  ];
  for (const alignment of [0, 1, 2] as const) {
    candidates.push([`base64@${alignment}`, base64AtAlignment(raw, alignment, false)]);
    candidates.push([`base64url@${alignment}`, base64AtAlignment(raw, alignment, true)]);
  }
  if (options.utf16 ?? false) candidates.push(['utf16le', Buffer.from(secret, 'utf16le')]);
  if (options.fragments ?? true) {
    for (let start = 0; start + FRAGMENT_LENGTH <= secret.length; start += 1) {
      candidates.push([`fragment@${start}`, secret.slice(start, start + FRAGMENT_LENGTH)]);
    }
  }
  const seen = new Set<string>();
  const forms: CanaryForm[] = [];
  for (const [form, value] of candidates) {
    const needle = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const key = needle.toString('hex');
    if (needle.length === 0 || seen.has(key)) continue;
    seen.add(key);
    forms.push({ form, needle });
  }
  return forms;
}

export interface CanaryFinding {
  form: string;
  offset: number;
}

/** Every form of the canary found in `haystack` (first offset of each form). */
export function sweepBuffer(haystack: Buffer, forms: readonly CanaryForm[]): CanaryFinding[] {
  const findings: CanaryFinding[] = [];
  for (const { form, needle } of forms) {
    const offset = haystack.indexOf(needle);
    if (offset !== -1) findings.push({ form, offset });
  }
  return findings;
}

/**
 * Realistic embeddings of a secret, each made by an encoder independent of `canaryForms`:
 * [the form a sweep must report for it ('fragment' stands for any `fragment@<n>`), the text to plant].
 */
export function plantedEmbeddings(secret: string): Array<[string, string]> {
  const framed = (prefix: string) => Buffer.from(`${prefix}${secret}"}`, 'utf8');
  return [
    ['raw', `{"level":20,"headers":{"x-provider-key":"${secret}"}}`],
    ['json-escaped', JSON.stringify({ message: `key="${secret}"` })],
    ['url-encoded', `GET /v1/x?key=${encodeURIComponent(`${secret}/+=`)}`],
    ['hex', framed('{"k":"').toString('hex')],
    ['HEX', framed('{"k":"').toString('hex').toUpperCase()],
    ['base64@0', framed('').toString('base64')],
    ['base64@1', framed('a').toString('base64')],
    ['base64@2', framed('ab').toString('base64')],
    ['base64url@0', framed('').toString('base64url')],
    ['base64url@1', framed('a').toString('base64url')],
    ['base64url@2', framed('ab').toString('base64url')],
    ['fragment', `hint=${secret.slice(7, 7 + FRAGMENT_LENGTH + 1)}`],
  ];
}

/**
 * The positive control: plants a throwaway canary into a copy of the haystack, once per realistic
 * embedding (as a logger, a URL, a hex or base64 dump at each byte alignment would write it), and
 * checks the sweep finds each, so a clean result on the real haystack means something.
 * Returns the embeddings the sweep failed to see (empty when the probe is sound).
 */
export function plantedFormsMissed(haystack: Buffer, shape: CanaryShape): string[] {
  const planted = makeCanary(shape);
  const forms = canaryForms(planted);
  const middle = Math.floor(haystack.length / 2);
  const missed: string[] = [];
  for (const [embedding, text] of plantedEmbeddings(planted)) {
    const copy = Buffer.concat([haystack.subarray(0, middle), Buffer.from(text), haystack.subarray(middle)]);
    if (sweepBuffer(copy, forms).length === 0) missed.push(embedding);
  }
  return missed;
}

/** The canaries a sweep plants in each sink on purpose, one per embedding, and the verdict on whether it saw each. */
import { fingerprint, makeCanary, plantedEmbeddings } from './canary.ts';
import type { ControlResult } from './sweep-types.ts';

/** Embeddings only a database can hold: a jsonb value, raw bytea, a text array element. */
export const COLUMN_EMBEDDINGS = ['jsonb', 'bytea', 'text[]'] as const;
export type ColumnEmbedding = (typeof COLUMN_EMBEDDINGS)[number];

/**
 * One fresh canary per embedding (raw in a JSON log line, JSON-escaped, URL-encoded, hex, HEX,
 * base64 and base64url at each byte alignment, a 17-character slice, and for databases a jsonb
 * value, a bytea and an array element), so a finding says which embedding the sweep saw.
 */
export class ControlPlant {
  /** embedding label → its canary */
  readonly canaries = new Map<string, string>();
  /** embedding label → the text planted (for text sinks) */
  readonly #lines = new Map<string, string>();

  constructor() {
    for (const [label] of plantedEmbeddings('x'.repeat(40))) {
      const canary = makeCanary('openai');
      const text = plantedEmbeddings(canary).find(([l]) => l === label)?.[1];
      if (text === undefined) continue;
      this.canaries.set(label, canary);
      this.#lines.set(label, text);
    }
    for (const label of COLUMN_EMBEDDINGS) this.canaries.set(label, makeCanary('openai'));
  }

  /** Labels of the text embeddings (what a file, a log, a response or a heap can hold). */
  get textLabels(): string[] {
    return [...this.#lines.keys()];
  }

  get allLabels(): string[] {
    return [...this.canaries.keys()];
  }

  /** The text embeddings as [label, text] pairs. */
  lines(): Array<[string, string]> {
    return [...this.#lines.entries()];
  }

  /** The text embeddings, one per line, as a planted file or log lines hold them. */
  text(): string {
    return `${[...this.#lines.values()].join('\n')}\n`;
  }

  columnCanary(label: ColumnEmbedding): string {
    const canary = this.canaries.get(label);
    if (canary === undefined) throw new Error(`no control canary for ${label}`);
    return canary;
  }

  /** Compares what was found where the canaries were planted with what had to be found. */
  verdict(where: string, expected: readonly string[], found: ReadonlyMap<string, string[]>): ControlResult {
    const foundRecord: Record<string, string[]> = {};
    for (const label of expected) foundRecord[label] = [...new Set(found.get(label) ?? [])].slice(0, 3);
    return {
      where,
      canaries: expected.map((label) => `${label}=${fingerprint(this.canaries.get(label) ?? '')}`),
      expected: [...expected],
      found: foundRecord,
      missed: expected.filter((label) => (found.get(label) ?? []).length === 0),
    };
  }
}

/** Merges the control findings of several locations (a sink's planted file may be one of many). */
export function mergeFound(maps: Iterable<ReadonlyMap<string, string[]>>): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const map of maps) {
    for (const [label, forms] of map) merged.set(label, [...(merged.get(label) ?? []), ...forms]);
  }
  return merged;
}

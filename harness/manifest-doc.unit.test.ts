// The manifest reference in docs/target-contract.md and docs/manifest.schema.json match the schema, and every field is documented.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FIELD_MEANINGS, manifestFields, manifestJsonSchema, withManifestReference } from './manifest-doc.ts';

const doc = (file: string) => readFileSync(new URL(`../docs/${file}`, import.meta.url), 'utf8');

describe('manifest reference', () => {
  test('documents every field of the schema, and nothing that is not in it', () => {
    const paths = manifestFields().map((row) => row.path);
    expect(paths.filter((p) => FIELD_MEANINGS[p] === undefined)).toEqual([]);
    expect(Object.keys(FIELD_MEANINGS).filter((p) => !paths.includes(p))).toEqual([]);
  });

  test('docs/target-contract.md holds the current reference (run `npm run docs` after a schema change)', () => {
    const current = doc('target-contract.md');
    expect(current).toBe(withManifestReference(current));
  });

  test('docs/manifest.schema.json is the current JSON Schema', () => {
    expect(doc('manifest.schema.json')).toBe(manifestJsonSchema());
  });
});

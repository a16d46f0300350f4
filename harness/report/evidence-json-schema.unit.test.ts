// docs/evidence.schema.json is the current JSON Schema of evidence.json, and a written report satisfies it.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EVIDENCE_SCHEMA_FILE, evidenceJsonSchema } from './evidence-json-schema.ts';

describe('evidence JSON Schema', () => {
  test('docs/evidence.schema.json matches the zod schema (run `node harness/report/evidence-json-schema.ts`)', () => {
    expect(readFileSync(EVIDENCE_SCHEMA_FILE, 'utf8')).toBe(evidenceJsonSchema());
  });

  test('names the fields an auditor looks for', () => {
    const schema = JSON.parse(evidenceJsonSchema()) as { properties: Record<string, unknown> };
    for (const field of [
      'harness',
      'tools',
      'target',
      'startedAt',
      'endedAt',
      'durationMs',
      'seed',
      'claims',
      'unclaimed',
      'artifacts',
      'integrity',
    ])
      expect(Object.keys(schema.properties)).toContain(field);
  });
});

// docs/evidence.schema.json from the zod schema; run this file (`node harness/report/evidence-json-schema.ts`) to rewrite it.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EvidenceReportSchema } from './evidence-schema.ts';

export const EVIDENCE_SCHEMA_FILE = fileURLToPath(
  new URL('../../docs/evidence.schema.json', import.meta.url),
);

/** The published JSON Schema of evidence.json (what the reporter writes: the output side of the zod schema). */
export function evidenceJsonSchema(): string {
  const schema = z.toJSONSchema(EvidenceReportSchema, { io: 'output', unrepresentable: 'any' });
  return `${JSON.stringify(
    {
      ...schema,
      $id: 'https://mintoken.dev/schemas/harness/evidence.schema.json',
      title: 'Mintoken security harness evidence report (evidence.json)',
    },
    null,
    2,
  )}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(EVIDENCE_SCHEMA_FILE, evidenceJsonSchema());
  process.stdout.write(`${EVIDENCE_SCHEMA_FILE} written\n`);
}

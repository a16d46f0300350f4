// Writes the generated docs from the code: docs/claims.md, the manifest reference in docs/target-contract.md, docs/manifest.schema.json (`npm run docs`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderClaimsDoc, renderPolicyDoc } from '../claims-doc.ts';
import { manifestJsonSchema, withManifestReference } from '../manifest-doc.ts';
import { EVIDENCE_SCHEMA_FILE, evidenceJsonSchema } from '../report/evidence-json-schema.ts';

const docs = (file: string) => new URL(`../../docs/${file}`, import.meta.url);
writeFileSync(docs('claims.md'), renderClaimsDoc());
writeFileSync(docs('policy.md'), renderPolicyDoc());
writeFileSync(
  docs('target-contract.md'),
  withManifestReference(readFileSync(docs('target-contract.md'), 'utf8')),
);
writeFileSync(docs('manifest.schema.json'), manifestJsonSchema());
writeFileSync(EVIDENCE_SCHEMA_FILE, evidenceJsonSchema());
process.stdout.write(
  'docs/claims.md, docs/target-contract.md (manifest reference), docs/manifest.schema.json, docs/evidence.schema.json written\n',
);

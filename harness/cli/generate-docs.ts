// Writes the generated docs (docs/claims.md) from the registry: `npm run docs`.
import { writeFileSync } from 'node:fs';
import { renderClaimsDoc } from '../claims-doc.ts';

writeFileSync(new URL('../../docs/claims.md', import.meta.url), renderClaimsDoc());
process.stdout.write('docs/claims.md written\n');

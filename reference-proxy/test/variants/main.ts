// Variant entry: `node reference-proxy/test/variants/main.ts <name>` starts the reference proxy as one allowed variant of the contract.
// Test-only: never imported by src/ and never copied into the image (like the mutants).
import { readdirSync } from 'node:fs';
import { bootstrap } from '../../src/bootstrap.ts';
import type { Variant } from './variant.ts';

const VARIANTS_DIR = new URL('./', import.meta.url);
const known = readdirSync(VARIANTS_DIR)
  .filter(
    (file) => file.endsWith('.ts') && !['main.ts', 'variant.ts'].includes(file) && !file.endsWith('.test.ts'),
  )
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const name = process.argv[2];
if (name === undefined || !known.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'no variant named' : `unknown variant: ${name}`}\nknown variants:\n${known.map((v) => `  ${v}\n`).join('')}`,
  );
  process.exit(2);
}
const { variant } = (await import(new URL(`./${name}.ts`, VARIANTS_DIR).href)) as { variant: Variant };
await bootstrap(variant.override, (logger) =>
  logger.info({ variant: name }, `reference variant "${name}": ${variant.description}`),
);

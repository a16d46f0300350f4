// Mutant entry: `node reference-proxy/mutants/main.ts <name>` starts the proxy with one component broken on purpose.
// Never shipped (the Dockerfile copies src/, migrations/ and public/ only) and never imported by src/.
import { readdirSync } from 'node:fs';
import { bootstrap } from '../src/bootstrap.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

/** What every mutant module exports: take the default components, return them with exactly one replaced. */
export interface MutantModule {
  mutate(components: Components, config: Config, runtime: Runtime): Components;
}

const MUTANTS_DIR = new URL('./', import.meta.url);

export function knownMutants(): string[] {
  return readdirSync(MUTANTS_DIR)
    .filter((file) => file.endsWith('.ts') && file !== 'main.ts')
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

const name = process.argv[2];
const known = knownMutants();
if (name === undefined || !known.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'no mutant named' : `unknown mutant: ${name}`}\nknown mutants:\n${known.map((m) => `  ${m}\n`).join('')}`,
  );
  process.exit(2);
}

const mutant = (await import(new URL(`./${name}.ts`, MUTANTS_DIR).href)) as MutantModule;
await bootstrap(
  (components, config, runtime) => mutant.mutate(components, config, runtime),
  (logger) =>
    logger.warn({ mutant: name }, `MUTANT BUILD: running mutant "${name}", not the reference proxy`),
);

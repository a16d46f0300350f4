// `mintoken-harness repro NAME [--run]`: scaffolds repro/NAME.test.ts, or runs it and writes repro/NAME/report.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { reproTemplate } from '../repro/template.ts';

const { values, positionals } = parseArgs({ options: { run: { type: 'boolean' } }, allowPositionals: true });
const name = positionals[0];
if (!name || !/^[a-z0-9][a-z0-9-/]*$/.test(name)) {
  process.stderr.write(
    'usage: mintoken-harness repro NAME [--run]   (NAME: lower-case letters, digits, dashes)\n',
  );
  process.exit(2);
}
const file = path.resolve('repro', `${name}.test.ts`);
if (!values.run) {
  if (existsSync(file)) {
    process.stderr.write(`repro: ${path.relative(process.cwd(), file)} exists; run it with --run\n`);
    process.exit(2);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, reproTemplate(name));
  process.stdout.write(
    `repro: wrote ${path.relative(process.cwd(), file)}\nedit it, then: npx mintoken-harness repro ${name} --run\n`,
  );
  process.exit(0);
}
if (!existsSync(file)) {
  process.stderr.write(`repro: ${path.relative(process.cwd(), file)} does not exist; scaffold it first\n`);
  process.exit(2);
}
const vitest = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const child = spawn(
  process.execPath,
  [vitest, 'run', '--project', 'repro', path.relative(process.cwd(), file)],
  {
    stdio: 'inherit',
  },
);
child.on('close', (code) => {
  const report = path.join(path.dirname(file), name.split('/').at(-1) ?? name, 'report.md');
  process.stdout.write(
    `\nrepro: ${code === 0 ? 'the check held (not reproduced)' : 'the check FAILED (reproduced, or could not run)'}; report: ${path.relative(process.cwd(), report)}\n`,
  );
  process.exitCode = code ?? 1;
});

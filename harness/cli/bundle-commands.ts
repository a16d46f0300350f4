// `mintoken-harness verify BUNDLE` and `report BUNDLE --format F [--out DIR]`: check a bundle's signature, hashes and chain; re-render it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FORMATS, type BundleFormat, renderBundle, verifyBundle } from '../bundle/index.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'verify') {
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      'public-key': { type: 'string' },
      prev: { type: 'string' },
      'require-signature': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const dir = positionals[0];
  if (!dir || !existsSync(dir)) {
    process.stderr.write(`verify: give an existing bundle directory (got ${dir ?? 'nothing'})\n`);
    process.exit(2);
  }
  const keyFile = values['public-key'];
  const result = verifyBundle(path.resolve(dir), {
    ...(keyFile ? { publicKey: readFileSync(keyFile, 'utf8') } : {}),
    ...(values.prev ? { prev: values.prev } : {}),
    requireSignature: values['require-signature'] ?? false,
  });
  for (const warning of result.warnings) process.stdout.write(`warning: ${warning}\n`);
  for (const problem of result.problems) process.stdout.write(`PROBLEM: ${problem}\n`);
  process.stdout.write(
    result.ok
      ? `verify: ok — ${result.files} files, manifest sha256 ${result.manifestSha256}\n`
      : `verify: FAILED — ${result.problems.length} problem(s)\n`,
  );
  process.exitCode = result.ok ? 0 : 1;
} else if (command === 'report') {
  const { values, positionals } = parseArgs({
    args: rest,
    options: { format: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  const dir = positionals[0];
  const format = values.format as BundleFormat | undefined;
  if (!dir || !existsSync(dir) || !format || !BUNDLE_FORMATS.includes(format)) {
    process.stderr.write(
      `usage: mintoken-harness report BUNDLE --format ${BUNDLE_FORMATS.join('|')} [--out DIR]\n`,
    );
    process.exit(2);
  }
  try {
    const files = await renderBundle(
      path.resolve(dir),
      format,
      values.out ? { out: path.resolve(values.out) } : {},
    );
    process.stdout.write(`report: wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`report: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  process.stderr.write('usage: bundle-commands.ts verify|report …\n');
  process.exit(2);
}

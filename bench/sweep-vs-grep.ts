// Benchmark: the canary sweep's one-pass matcher against `grep -F -f` and ripgrep's `rg -F -f` on the same files, in the same run; prints the ratios.
// Run: node_modules/.bin/node bench/sweep-vs-grep.ts [--mb 256] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { canaryForms, makeCanary } from '../harness/probes/canary.ts';
import { MultiNeedleMatcher } from '../harness/probes/multi-needle.ts';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } },
});
const TOTAL_BYTES = Number(values.mb) * 1024 * 1024;
const ROUNDS = Number(values.rounds);
const FILE_BYTES = 16 * 1024 * 1024;
const KINDS = ['JSON log lines', 'base64 text', 'random binary', 'mostly-zero pages'] as const;

/** What sweeps read: JSON log lines, base64 blobs, binary pages (WAL, heap files), zero-filled segments. */
function fileContent(kind: number, size: number): Buffer {
  // kinds follow KINDS
  if (kind === 0) {
    const lines: string[] = [];
    let length = 0;
    while (length < size) {
      const line = `{"level":30,"time":"${new Date().toISOString()}","pid":${4000 + (length % 97)},"reqId":"${randomBytes(16).toString('hex')}","method":"POST","route":"/v1/chat/completions","status":200,"durationMs":${length % 400},"msg":"request completed"}\n`;
      lines.push(line);
      length += line.length;
    }
    return Buffer.from(lines.join('')).subarray(0, size);
  }
  if (kind === 1)
    return Buffer.from(randomBytes(Math.ceil((size * 3) / 4)).toString('base64')).subarray(0, size);
  if (kind === 2) return randomBytes(size);
  const zeros = Buffer.alloc(size);
  randomBytes(size / 8).copy(zeros, 0);
  return zeros;
}

const dir = mkdtempSync(path.join(tmpdir(), 'sweep-bench-'));
try {
  const secrets = [
    makeCanary('openai'),
    makeCanary('anthropic'),
    makeCanary('google'),
    makeCanary('mt_live'),
  ];
  // the needles a real sweep of four secrets uses: every form, every 16-character fragment
  const needles = secrets.flatMap((secret) => canaryForms(secret).map((f) => f.needle));
  const patternFile = path.join(dir, 'patterns.txt');
  writeFileSync(patternFile, `${needles.map((n) => n.toString('latin1')).join('\n')}\n`, 'latin1');
  const files: string[] = [];
  const planted = new Set<string>();
  for (let i = 0; i * FILE_BYTES < TOTAL_BYTES; i += 1) {
    const content = fileContent(i % 4, FILE_BYTES);
    const file = path.join(dir, `file-${i}.bin`);
    if (i % 5 === 0) {
      // a leak in a few files: the base64 form of one secret, framed like a dump would be
      Buffer.from(`\n{"dump":"${Buffer.from(`x${secrets[i % 4]}`).toString('base64')}"}\n`).copy(
        content,
        FILE_BYTES / 2,
      );
      planted.add(file);
    }
    writeFileSync(file, content);
    files.push(file);
  }
  for (const file of files) readFileSync(file); // warm the page cache for both contenders

  const matcher = new MultiNeedleMatcher(needles);
  const sweep = async (subset: readonly string[]): Promise<Set<string>> => {
    const hits = new Set<string>();
    for (const file of subset) await matcher.scanFile(file, () => hits.add(file));
    return hits;
  };
  // Both print `file:count` per file (-H); a file with a hit has a count ≥ 1.
  const scanner =
    (command: string, args: readonly string[]) =>
    (subset: readonly string[]): Set<string> => {
      const out = spawnSync(command, [...args, '-f', patternFile, ...subset], {
        env: { ...process.env, LC_ALL: 'C' },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (out.error) throw new Error(`${command} could not run: ${out.error.message}`);
      if (out.status !== 0 && out.status !== 1) throw new Error(`${command} failed: ${out.stderr}`);
      return new Set(
        out.stdout
          .split('\n')
          .filter((line) => /:[1-9]\d*$/.test(line))
          .map((line) => line.slice(0, line.lastIndexOf(':'))),
      );
    };
  const grep = scanner('grep', ['-F', '-a', '-c', '-H']);
  // ripgrep searches files on every core by default; -j1 is the same single thread the sweep uses
  const rg = scanner('rg', ['-F', '-a', '-c', '-H', '--no-config', '--no-ignore', '--no-mmap']);
  const rg1 = scanner('rg', ['-F', '-a', '-c', '-H', '--no-config', '--no-ignore', '--no-mmap', '-j1']);
  const rgVersion = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (rgVersion.error) {
    throw new Error(
      "rg (ripgrep) is not installed: install Debian's 'ripgrep' (scripts/setup.sh does, as root).",
    );
  }
  const time = async (run: () => Promise<Set<string>> | Set<string>) => {
    let best = Number.POSITIVE_INFINITY;
    let hits = new Set<string>();
    for (let r = 0; r < ROUNDS; r += 1) {
      const started = performance.now();
      hits = await run();
      best = Math.min(best, performance.now() - started);
    }
    return { ms: best, hits };
  };
  const mib = (subset: readonly string[]) => (subset.length * FILE_BYTES) / 1024 / 1024;
  const lines: string[] = [
    `corpus: ${files.length} files of ${FILE_BYTES / 1024 / 1024} MiB, ${mib(files).toFixed(0)} MiB, page cache warm`,
    `needles: ${needles.length} (4 secrets, every form and 16-char fragment); best of ${ROUNDS} rounds`,
    `grep: ${spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}, -F -a -c -H -f, LC_ALL=C`,
    `rg: ${rgVersion.stdout.split('\n')[0]}, -F -a -c -H -f --no-mmap (all cores; "rg -j1": one thread)`,
    `sweep: one thread of this Node process (${os.availableParallelism()} cores here)`,
    '',
    'content              sweep MiB/s  grep MiB/s  ÷grep  rg MiB/s  ÷rg  rg-j1 MiB/s  ÷rg-j1  all found every planted leak',
  ];
  let allFound = true;
  const row = async (label: string, subset: readonly string[]) => {
    const ours = await time(() => sweep(subset));
    const others = [
      await time(() => grep(subset)),
      await time(() => rg(subset)),
      await time(() => rg1(subset)),
    ];
    const expected = subset.filter((f) => planted.has(f));
    const found = (hits: Set<string>) => hits.size === expected.length && expected.every((f) => hits.has(f));
    const everyFound = found(ours.hits) && others.every((o) => found(o.hits));
    allFound &&= everyFound;
    const rate = (ms: number) => (mib(subset) / (ms / 1000)).toFixed(0);
    const cells = others.map(
      (o, i) =>
        `${rate(o.ms).padStart([11, 9, 12][i] ?? 9)} ${(o.ms / ours.ms).toFixed(2).padStart(i === 1 ? 5 : 6)}`,
    );
    lines.push(`${label.padEnd(20)} ${rate(ours.ms).padStart(11)} ${cells.join(' ')}   ${everyFound}`);
  };
  for (const [kind, label] of KINDS.entries())
    await row(
      label,
      files.filter((_, i) => i % KINDS.length === kind),
    );
  await row('all of the above', files);
  lines.push(
    '',
    'ratio (÷X) = sweep throughput / X throughput on the same files in the same run (≥ 1.00: the sweep is as fast)',
    '',
  );
  process.stdout.write(lines.join('\n'));
  if (!allFound) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

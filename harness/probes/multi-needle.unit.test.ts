// The one-pass matcher finds exactly what a needle-by-needle indexOf finds, in buffers and in chunked files.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { MultiNeedleMatcher, SCAN_CHUNK_BYTES } from './multi-needle.ts';

function naive(haystack: Buffer, needles: readonly Buffer[]): string[] {
  const out: string[] = [];
  needles.forEach((needle, index) => {
    if (needle.length === 0) return;
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
      out.push(`${index}@${at}`);
    }
  });
  return out.sort();
}

function matched(matcher: MultiNeedleMatcher, haystack: Buffer): string[] {
  const out: string[] = [];
  matcher.scan(haystack, (needle, offset) => out.push(`${needle}@${offset}`));
  return out.sort();
}

const dir = mkdtempSync(path.join(tmpdir(), 'multi-needle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('multi-needle matcher', () => {
  test('agrees with indexOf on random needles planted in random text', () => {
    // a small alphabet makes partial matches and overlaps common
    const bytes = fc
      .uint8Array({ minLength: 1, maxLength: 40 })
      .map((a) => Buffer.from(a.map((b) => 97 + (b % 4))));
    fc.assert(
      fc.property(
        fc.array(bytes, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        bytes,
        (needles, plants, noise) => {
          const parts: Buffer[] = [noise];
          for (const plant of plants) parts.push(needles[plant % needles.length] as Buffer, noise);
          const haystack = Buffer.concat(parts);
          expect(matched(new MultiNeedleMatcher(needles), haystack)).toEqual(naive(haystack, needles));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('finds a needle that spans two chunks of a file exactly once', async () => {
    const needles = [Buffer.from(`sk-proj-${randomBytes(24).toString('hex')}`), Buffer.from('short')];
    const haystack = Buffer.alloc(SCAN_CHUNK_BYTES * 2 + 100, '{"level":30,"msg":"request completed"}\n');
    const spanning = SCAN_CHUNK_BYTES - 10;
    needles[0]?.copy(haystack, spanning);
    needles[0]?.copy(haystack, haystack.length - (needles[0]?.length ?? 0));
    const file = path.join(dir, 'chunks.log');
    writeFileSync(file, haystack);
    const seen: string[] = [];
    const bytes = await new MultiNeedleMatcher(needles).scanFile(file, (n, o) => seen.push(`${n}@${o}`));
    expect(bytes).toBe(haystack.length);
    expect(seen.sort()).toEqual(naive(haystack, needles));
    expect(seen.filter((s) => s.startsWith('0@'))).toHaveLength(2);
  });

  test('hashes every byte of a file exactly once through onBytes', async () => {
    const haystack = randomBytes(SCAN_CHUNK_BYTES + 12_345);
    const file = path.join(dir, 'bytes.bin');
    writeFileSync(file, haystack);
    const chunks: Buffer[] = [];
    await new MultiNeedleMatcher([Buffer.from('0123456789abcdef')]).scanFile(
      file,
      () => undefined,
      (c) => chunks.push(Buffer.from(c)),
    );
    expect(Buffer.concat(chunks).equals(haystack)).toBe(true);
  });
});

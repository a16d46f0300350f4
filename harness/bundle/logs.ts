/** Keeps a run's logs small: gzipped, in full where a claim did not pass, else only their tail. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { z } from 'zod';
import type { KeptLogSchema } from '../report/evidence-schema.ts';
import { bundleFiles } from './integrity.ts';
import { sha256Hex } from './run-info.ts';

export type KeptLog = z.infer<typeof KeptLogSchema>;

/** How much of each log a run whose claims all passed keeps (its end: shutdown, the last sweeps). */
export const DEFAULT_TAIL_BYTES = 256 * 1024;

/**
 * Replaces every `*.log` under `dir` by `*.log.gz`. With `full` false a log over `tailBytes` keeps only its
 * last `tailBytes` (from a line start), behind a first line saying what was dropped and the full log's SHA-256.
 * `originals` gives the SHA-256 and size of each log before redaction (default: what is on disk now).
 */
export function compressLogs(
  dir: string,
  options: {
    /** keep this log whole (a claim it bears on did not pass); a boolean decides for every log */
    full: boolean | ((file: string) => boolean);
    tailBytes?: number;
    originals?: ReadonlyMap<string, { bytes: number; sha256: string }>;
  },
): KeptLog[] {
  const tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
  const kept: KeptLog[] = [];
  for (const file of bundleFiles(dir).filter((f) => f.endsWith('.log'))) {
    const full = path.join(dir, file);
    const bytes = readFileSync(full);
    const original = options.originals?.get(file) ?? { bytes: bytes.length, sha256: sha256Hex(bytes) };
    let body = bytes;
    let mode: 'full' | 'tail' = 'full';
    const keepFull = typeof options.full === 'function' ? options.full(file) : options.full;
    if (!keepFull && bytes.length > tailBytes) {
      let start = bytes.length - tailBytes;
      const newline = bytes.indexOf(0x0a, start);
      if (newline !== -1 && newline < bytes.length - 1) start = newline + 1;
      const dropped = start;
      body = Buffer.concat([
        Buffer.from(
          `[mintoken-harness: the first ${dropped} of ${original.bytes} bytes are not kept (every claim it bears on passed); full log sha256:${original.sha256}]\n`,
        ),
        bytes.subarray(start),
      ]);
      mode = 'tail';
    }
    writeFileSync(`${full}.gz`, gzipSync(body));
    rmSync(full);
    kept.push({
      path: `${file}.gz`,
      originalBytes: original.bytes,
      originalSha256: original.sha256,
      kept: mode,
      keptBytes: body.length,
    });
  }
  return kept;
}

/** SHA-256 and size of each `*.log` under `dir`, before anything rewrites them. */
export function logOriginals(dir: string): Map<string, { bytes: number; sha256: string }> {
  return new Map(
    bundleFiles(dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => {
        const bytes = readFileSync(path.join(dir, f));
        return [f, { bytes: bytes.length, sha256: sha256Hex(bytes) }] as const;
      }),
  );
}

/** One pass over bytes that finds every occurrence of many needles at once (Wu-Manber block shifts). */
import { open } from 'node:fs/promises';

/** Bytes hashed per step: with needles of ≥ 16 bytes, a miss skips up to 14 bytes at a time. */
const BLOCK = 3;
const TABLE_BITS = 16;
const TABLE_SIZE = 1 << TABLE_BITS;
const MAX_SHIFT = 255;
/** How much of a file is in memory at once when scanning a stream. */
export const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

/** Called for each occurrence: which needle (its index in the list given) and where it starts. */
export type OnMatch = (needle: number, offset: number) => void;

const blockHash = (a: number, b: number, c: number): number =>
  Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> (32 - TABLE_BITS);

/**
 * Compiled once per sweep from every needle of every secret; `scan` then reads each byte of a
 * haystack at most once (most bytes not at all: a window whose last block occurs in no needle is
 * skipped whole). Needles shorter than the block are searched with `indexOf` instead.
 */
export class MultiNeedleMatcher {
  readonly needles: readonly Buffer[];
  readonly maxLength: number;
  readonly #window: number;
  readonly #shift = new Uint8Array(TABLE_SIZE);
  readonly #buckets: Array<Int32Array | undefined> = new Array(TABLE_SIZE);
  /** first two bytes of each needle, a cheap filter before the full compare */
  readonly #prefix: Uint16Array;
  readonly #short: number[] = [];
  readonly #longCount: number;
  #chunkBuffer: Buffer | undefined;

  constructor(needles: readonly Buffer[]) {
    this.needles = needles;
    const long = needles.map((n, i) => [n, i] as const).filter(([n]) => n.length >= BLOCK);
    needles.forEach((n, i) => {
      if (n.length > 0 && n.length < BLOCK) this.#short.push(i);
    });
    this.#longCount = long.length;
    this.maxLength = Math.max(0, ...needles.map((n) => n.length));
    // the window is the shortest long needle (capped so a shift fits a byte)
    this.#window = Math.min(...long.map(([n]) => n.length), MAX_SHIFT + BLOCK - 1);
    this.#prefix = new Uint16Array(needles.length);
    const m = this.#window;
    this.#shift.fill(Math.max(1, m - BLOCK + 1));
    const bucketLists = new Map<number, number[]>();
    for (const [needle, index] of long) {
      this.#prefix[index] = ((needle[0] ?? 0) << 8) | (needle[1] ?? 0);
      for (let end = BLOCK; end <= m; end += 1) {
        const h = blockHash(needle[end - 3] ?? 0, needle[end - 2] ?? 0, needle[end - 1] ?? 0);
        const shift = m - end;
        if (shift < (this.#shift[h] ?? 0)) this.#shift[h] = shift;
        if (shift === 0) {
          const list = bucketLists.get(h) ?? [];
          list.push(index);
          bucketLists.set(h, list);
        }
      }
    }
    for (const [h, list] of bucketLists) this.#buckets[h] = Int32Array.from(list);
  }

  /** Reports every occurrence in `haystack` (offsets are positions in `haystack`). */
  scan(haystack: Buffer, onMatch: OnMatch): void {
    this.#scanLong(haystack, onMatch, 0);
    this.#scanShort(haystack, onMatch, 0);
  }

  /** Reports long-needle occurrences that end after `minEnd` (the new part of a carried-over chunk). */
  #scanLong(t: Buffer, onMatch: OnMatch, minEnd: number): void {
    const m = this.#window;
    const n = t.length;
    // every long needle is at least m bytes: a shorter haystack holds none
    if (this.#longCount === 0 || n < m) return;
    const shiftTable = this.#shift;
    let i = m - 1;
    while (i < n) {
      const h = blockHash(t[i - 2] as number, t[i - 1] as number, t[i] as number);
      const shift = shiftTable[h] as number;
      if (shift !== 0) {
        i += shift;
        continue;
      }
      const start = i - m + 1;
      const prefix = ((t[start] as number) << 8) | (t[start + 1] as number);
      const bucket = this.#buckets[h] as Int32Array;
      for (let k = 0; k < bucket.length; k += 1) {
        const index = bucket[k] as number;
        if (this.#prefix[index] !== prefix) continue;
        const needle = this.needles[index] as Buffer;
        const end = start + needle.length;
        if (end > n || end <= minEnd) continue;
        if (t.compare(needle, 0, needle.length, start, end) === 0) onMatch(index, start);
      }
      i += 1;
    }
  }

  #scanShort(t: Buffer, onMatch: OnMatch, minEnd: number): void {
    for (const index of this.#short) {
      const needle = this.needles[index] as Buffer;
      for (let at = t.indexOf(needle); at !== -1; at = t.indexOf(needle, at + 1)) {
        if (at + needle.length > minEnd) onMatch(index, at);
      }
    }
  }

  /**
   * Scans a file in chunks of SCAN_CHUNK_BYTES, carrying the last `maxLength - 1` bytes over so a
   * needle spanning two chunks is found once. Returns the bytes read; `onBytes` sees each new
   * chunk once (for hashing).
   */
  async scanFile(file: string, onMatch: OnMatch, onBytes?: (chunk: Buffer) => void): Promise<number> {
    const handle = await open(file, 'r');
    try {
      const carry = Math.max(0, this.maxLength - 1);
      // one buffer per matcher, reused file after file (scans of one matcher run one at a time)
      this.#chunkBuffer ??= Buffer.allocUnsafe(carry + SCAN_CHUNK_BYTES);
      const buffer = this.#chunkBuffer;
      let kept = 0;
      let base = 0;
      let total = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, kept, SCAN_CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        const view = buffer.subarray(0, kept + bytesRead);
        onBytes?.(buffer.subarray(kept, kept + bytesRead));
        const offsetBase = base;
        const report: OnMatch = (needle, offset) => onMatch(needle, offsetBase + offset);
        this.#scanLong(view, report, kept);
        this.#scanShort(view, report, kept);
        const nextKept = Math.min(carry, view.length);
        base += view.length - nextKept;
        buffer.copyWithin(0, view.length - nextKept, view.length);
        kept = nextKept;
      }
      return total;
    } finally {
      await handle.close();
    }
  }
}

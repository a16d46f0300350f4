/** Two-sample statistics for timing checks: Mann–Whitney U (tie-corrected), Hodges–Lehmann shift, robust summaries. */
import { normalSurvival } from './distributions.ts';

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (a, b) with a > b, ties counting one half */
  u: number;
  /** standardised U (continuity-corrected); positive when the first sample tends to be larger */
  z: number;
  /** two-sided p-value from the normal approximation (valid for both samples ≥ 20) */
  pTwoSided: number;
  /** P(a > b) + ½ P(a = b): 0.5 when neither sample tends to be larger (common-language effect size) */
  probabilityOfSuperiority: number;
  sizes: [number, number];
}

/** Average ranks (1-based) of `values`, ties sharing the mean of their ranks; also Σ(t³ − t) over tie groups. */
function rankWithTies(values: readonly number[]): { ranks: Float64Array; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const ranks = new Float64Array(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]?.value === order[start]?.value) end += 1;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k += 1) ranks[order[k]?.index ?? 0] = averageRank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  return { ranks, tieTerm };
}

/** Mann–Whitney U test of "neither sample tends to be larger than the other". */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('Mann–Whitney needs two non-empty samples');
  const { ranks, tieTerm } = rankWithTies([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < n1; i += 1) rankSumA += ranks[i] ?? 0;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const deviation = u - mean;
  const corrected = Math.max(0, Math.abs(deviation) - 0.5);
  const z = variance > 0 ? (Math.sign(deviation) * corrected) / Math.sqrt(variance) : 0;
  return {
    u,
    z,
    pTwoSided: Math.min(1, 2 * normalSurvival(Math.abs(z))),
    probabilityOfSuperiority: u / (n1 * n2),
    sizes: [n1, n2],
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] ?? Number.NaN;
  return lowValue + ((sorted[high] ?? lowValue) - lowValue) * (position - low);
}

/**
 * Hodges–Lehmann estimate of the shift of `b` relative to `a`: the median of all differences b_j − a_i.
 * Robust to outliers (a loaded machine's stalls) where a difference of means is not.
 */
export function hodgesLehmannShift(a: readonly number[], b: readonly number[]): number {
  const differences = new Float64Array(a.length * b.length);
  let k = 0;
  for (const y of b) for (const x of a) differences[k++] = y - x;
  differences.sort();
  const middle = Math.floor(differences.length / 2);
  return differences.length % 2 === 1
    ? (differences[middle] ?? Number.NaN)
    : ((differences[middle - 1] ?? 0) + (differences[middle] ?? 0)) / 2;
}

/** Fisher–Yates shuffle with an injected random source (tests pass a seeded one). */
export function shuffle<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const held = out[i] as T;
    out[i] = out[j] as T;
    out[j] = held;
  }
  return out;
}

/** A small seeded PRNG (mulberry32) so resampling is reproducible from the seed in the evidence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface DetectableShiftOptions {
  alpha: number;
  /** the fraction of resamples that must reject (the power) */
  power: number;
  resamples: number;
  seed: number;
}

/**
 * The smallest shift δ the Mann–Whitney test at `alpha` detects with the given power in *this* noise:
 * pooled measurements are split at random into two groups of the test's sizes, δ is added to one,
 * and δ is bisected until `power` of the resamples reject. This is the run's own positive control:
 * it says how large a leak a clean result actually rules out.
 */
export function detectableShift(
  pooled: readonly number[],
  sizes: [number, number],
  options: DetectableShiftOptions,
): number {
  const random = seededRandom(options.seed);
  const splits = Array.from({ length: options.resamples }, () => shuffle(pooled, random));
  const rejects = (delta: number): boolean => {
    let rejected = 0;
    for (const split of splits) {
      const a = split.slice(0, sizes[0]);
      const b = split.slice(sizes[0], sizes[0] + sizes[1]).map((x) => x + delta);
      if (mannWhitney(a, b).pTwoSided < options.alpha) rejected += 1;
    }
    return rejected >= options.power * splits.length;
  };
  return smallestRejectedShift(rejects, quantile(pooled, 0.75) - quantile(pooled, 0.25));
}

/**
 * The smallest shift `rejects` still detects (monotone in the shift): doubles from `start` until it
 * rejects, then bisects 12 times. Infinity when even 1e9 is not detected.
 */
export function smallestRejectedShift(rejects: (shift: number) => boolean, start: number): number {
  let low = 0;
  let high = Math.max(1e-9, start);
  while (!rejects(high)) {
    high *= 2;
    if (high > 1e9) return Number.POSITIVE_INFINITY;
  }
  for (let i = 0; i < 12; i += 1) {
    const middle = (low + high) / 2;
    if (rejects(middle)) high = middle;
    else low = middle;
  }
  return high;
}

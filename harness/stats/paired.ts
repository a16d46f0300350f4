/** Paired two-sample statistics: Wilcoxon signed-rank on within-pair differences, and the shift it can detect. */
import { normalSurvival } from './distributions.ts';
import { seededRandom, smallestRejectedShift } from './two-sample.ts';

export interface SignedRankResult {
  /** sum of the ranks of |d| over the positive differences */
  wPlus: number;
  /** standardised W+ (tie-corrected); positive when the differences tend to be positive */
  z: number;
  /** two-sided p-value from the normal approximation (valid for ≥ 20 non-zero differences) */
  pTwoSided: number;
  /** non-zero differences used (zeros carry no sign and are dropped, Wilcoxon's convention) */
  n: number;
}

/**
 * Wilcoxon signed-rank test of "the differences are symmetric around 0". When the two members of
 * each pair were measured in a random order, this holds exactly under "no difference between the
 * groups" however the measurement noise drifts over time: adjacent measurements share the machine's
 * load, so pairing removes most of it.
 */
export function wilcoxonSignedRank(differences: readonly number[]): SignedRankResult {
  const nonZero = differences.filter((d) => d !== 0);
  const n = nonZero.length;
  if (n === 0) return { wPlus: 0, z: 0, pTwoSided: 1, n: 0 };
  const order = nonZero
    .map((d) => ({ magnitude: Math.abs(d), positive: d > 0 }))
    .sort((x, y) => x.magnitude - y.magnitude);
  let wPlus = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && order[end]?.magnitude === order[start]?.magnitude) end += 1;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k += 1) if (order[k]?.positive) wPlus += averageRank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = variance > 0 ? (wPlus - mean) / Math.sqrt(variance) : 0;
  return { wPlus, z, pTwoSided: Math.min(1, 2 * normalSurvival(Math.abs(z))), n };
}

/**
 * The smallest shift δ the signed-rank test at `alpha` detects with the given power in this noise:
 * the magnitudes |d| get random signs (the null: no shift) plus δ, bisected until `power` of the
 * resamples reject. It reads only the magnitudes, never the signs, so deciding how many pairs to
 * measure by it leaves the test's false-alarm rate intact.
 */
export function detectablePairedShift(
  magnitudes: readonly number[],
  options: { alpha: number; power: number; resamples: number; seed: number },
): number {
  const random = seededRandom(options.seed);
  const signs = Array.from({ length: options.resamples }, () =>
    magnitudes.map(() => (random() < 0.5 ? -1 : 1)),
  );
  const rejects = (delta: number): boolean => {
    let rejected = 0;
    for (const flips of signs) {
      const shifted = magnitudes.map((m, i) => m * (flips[i] ?? 1) + delta);
      if (wilcoxonSignedRank(shifted).pTwoSided < options.alpha) rejected += 1;
    }
    return rejected >= options.power * signs.length;
  };
  const sorted = [...magnitudes].sort((x, y) => x - y);
  return smallestRejectedShift(rejects, sorted[Math.floor(sorted.length / 2)] ?? 1);
}

/** Pearson's chi-square goodness-of-fit against a uniform distribution, for per-position character counts. */
import { chiSquareCriticalValue, chiSquareSurvival } from './distributions.ts';

export interface UniformityResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
  /** the largest deviation of one category from its expectation, in expected counts (for the evidence) */
  worstCategory: { category: number; observed: number; expected: number };
}

/** Tests whether `counts` (one per category, all categories listed, zeros included) are uniform. */
export function chiSquareUniform(counts: readonly number[]): UniformityResult {
  if (counts.length < 2) throw new Error('a uniformity test needs at least two categories');
  const total = counts.reduce((sum, c) => sum + c, 0);
  const expected = total / counts.length;
  let statistic = 0;
  let worst = { category: 0, observed: counts[0] ?? 0, expected };
  counts.forEach((observed, category) => {
    statistic += (observed - expected) ** 2 / expected;
    if (Math.abs(observed - expected) > Math.abs(worst.observed - expected)) {
      worst = { category, observed, expected };
    }
  });
  const degreesOfFreedom = counts.length - 1;
  return {
    statistic,
    degreesOfFreedom,
    pValue: chiSquareSurvival(statistic, degreesOfFreedom),
    worstCategory: worst,
  };
}

/** Bonferroni: each of `tests` tests runs at alpha / tests, so all of them together alarm falsely at most alpha. */
export function bonferroni(alpha: number, tests: number): number {
  return alpha / tests;
}

export { chiSquareCriticalValue };

/**
 * Plug-in Shannon entropy (bits) of a categorical sample. Summed over a key's positions it is an
 * upper bound on the key's entropy (subadditivity): a sum under 128 bits proves the key weak.
 */
export function empiricalEntropyBits(counts: readonly number[]): number {
  const total = counts.reduce((sum, c) => sum + c, 0);
  let bits = 0;
  for (const c of counts) if (c > 0) bits -= (c / total) * Math.log2(c / total);
  return bits;
}

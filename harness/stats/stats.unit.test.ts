// Unit tests of the statistics the auth checks rely on, against textbook values.
import { describe, expect, it } from 'vitest';
import { bonferroni, chiSquareUniform, empiricalEntropyBits } from './chi-square.ts';
import {
  chiSquareCriticalValue,
  chiSquareSurvival,
  logGamma,
  normalCriticalValue,
  normalSurvival,
} from './distributions.ts';
import { detectablePairedShift, wilcoxonSignedRank } from './paired.ts';
import {
  detectableShift,
  hodgesLehmannShift,
  mannWhitney,
  median,
  quantile,
  seededRandom,
  shuffle,
} from './two-sample.ts';

describe('distributions', () => {
  it('computes ln Γ at integers and halves', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('matches chi-square table values', () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(18.307038, 10)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(80.232, 61)).toBeCloseTo(0.05, 3);
    expect(chiSquareCriticalValue(0.001, 61)).toBeCloseTo(100.888, 1);
    expect(chiSquareSurvival(0, 5)).toBe(1);
  });

  it('matches normal table values', () => {
    expect(normalSurvival(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalSurvival(0)).toBeCloseTo(0.5, 7);
    expect(normalCriticalValue(0.0005)).toBeCloseTo(3.2905, 3);
  });
});

describe('chi-square uniformity', () => {
  it('accepts exactly uniform counts and refuses a skewed alphabet', () => {
    expect(chiSquareUniform([100, 100, 100, 100]).statistic).toBe(0);
    expect(chiSquareUniform([100, 100, 100, 100]).pValue).toBe(1);
    const skewed = chiSquareUniform([200, 100, 100, 0]);
    expect(skewed.pValue).toBeLessThan(1e-10);
    expect(skewed.worstCategory.category).toBe(0);
  });

  it('splits a false-alarm rate over many tests', () => {
    expect(bonferroni(0.001, 32)).toBeCloseTo(3.125e-5, 12);
  });

  it('measures entropy in bits', () => {
    expect(empiricalEntropyBits([1, 1, 1, 1])).toBeCloseTo(2, 12);
    expect(empiricalEntropyBits([5, 0])).toBe(0);
  });
});

describe('two-sample statistics', () => {
  it('computes U and a p-value for a textbook example', () => {
    // every a is below every b: U = 0, clearly significant at n = 20 each
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = Array.from({ length: 20 }, (_, i) => 100 + i);
    const result = mannWhitney(a, b);
    expect(result.u).toBe(0);
    expect(result.z).toBeLessThan(-5);
    expect(result.pTwoSided).toBeLessThan(1e-6);
    expect(result.probabilityOfSuperiority).toBe(0);
  });

  it('finds no difference between identical samples, ties included', () => {
    const a = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6];
    const result = mannWhitney(a, [...a]);
    expect(result.u).toBe(50);
    expect(result.pTwoSided).toBe(1);
  });

  it('estimates a shift robustly, outliers notwithstanding', () => {
    const a = [1, 2, 3, 4, 5, 1_000];
    const b = a.map((x) => x + 10);
    expect(hodgesLehmannShift(a, b)).toBe(10);
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
  });

  it('keeps its false-alarm rate on samples from one distribution', () => {
    const random = seededRandom(7);
    let alarms = 0;
    for (let run = 0; run < 200; run += 1) {
      const a = Array.from({ length: 100 }, () => -Math.log(random()));
      const b = Array.from({ length: 100 }, () => -Math.log(random()));
      if (mannWhitney(a, b).pTwoSided < 0.05) alarms += 1;
    }
    // 10 expected; binomial(200, 0.05) stays under 22 with probability > 0.999
    expect(alarms).toBeLessThan(22);
  });

  it('finds the shift it can detect in the noise it is given', () => {
    const random = seededRandom(11);
    const pooled = Array.from({ length: 400 }, () => random());
    const delta = detectableShift(pooled, [200, 200], { alpha: 0.001, power: 0.8, resamples: 20, seed: 1 });
    // uniform(0,1) noise, n = 200 each: the theoretical detectable shift at α=0.001, power 0.8 is ≈ 0.13
    expect(delta).toBeGreaterThan(0.05);
    expect(delta).toBeLessThan(0.3);
  });

  it('shuffles reproducibly with a seed', () => {
    expect(shuffle([1, 2, 3, 4, 5], seededRandom(3))).toEqual(shuffle([1, 2, 3, 4, 5], seededRandom(3)));
    expect([...shuffle([1, 2, 3, 4, 5], seededRandom(3))].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('paired statistics', () => {
  it('finds a consistent shift and no shift in symmetric noise', () => {
    const random = seededRandom(5);
    const noise = Array.from({ length: 400 }, () => random() - 0.5);
    expect(wilcoxonSignedRank(noise).pTwoSided).toBeGreaterThan(0.001);
    const shifted = noise.map((d) => d + 0.2);
    expect(wilcoxonSignedRank(shifted).pTwoSided).toBeLessThan(1e-6);
    expect(wilcoxonSignedRank(shifted).z).toBeGreaterThan(0);
  });

  it('computes W+ for a textbook example, zeros dropped', () => {
    // |d| ranks: 1→1, 2→2, 3→3, 4→4; positives 2 and 4: W+ = 6
    const result = wilcoxonSignedRank([0, -1, 2, -3, 4]);
    expect(result.n).toBe(4);
    expect(result.wPlus).toBe(6);
  });

  it('keeps its false-alarm rate on random signs', () => {
    const random = seededRandom(9);
    let alarms = 0;
    for (let run = 0; run < 200; run += 1) {
      const d = Array.from({ length: 100 }, () => (random() < 0.5 ? -1 : 1) * -Math.log(random()));
      if (wilcoxonSignedRank(d).pTwoSided < 0.05) alarms += 1;
    }
    expect(alarms).toBeLessThan(22);
  });

  it('finds the shift it can detect from magnitudes alone', () => {
    const random = seededRandom(13);
    const magnitudes = Array.from({ length: 400 }, () => random());
    const delta = detectablePairedShift(magnitudes, { alpha: 0.001, power: 0.8, resamples: 20, seed: 2 });
    // uniform(-1,1) differences (sd 0.577), n = 400: normal theory gives ≈ (3.29 + 0.84) · 0.577 / 20 · 1.02 ≈ 0.12
    expect(delta).toBeGreaterThan(0.06);
    expect(delta).toBeLessThan(0.25);
  });
});

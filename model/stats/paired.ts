// The duet gate's statistic: a ratio of quantiles of two samples taken in pairs
// (baseline and candidate measured back to back, in a seeded random order, on the
// same machine at the same moment). The interval is a paired percentile bootstrap:
// each replicate resamples whole pairs, so noise both sides shared (another job on
// the runner, a frequency change) moves both quantiles together and cancels in the
// ratio, instead of widening the interval as independent resampling would. The
// statistic itself is the same as compareSamples' (candidate quantile / baseline
// quantile), so a duet verdict reads like a two-file one. Pure and seeded: pinned.

import {
  judge,
  MIN_COMPARE_N,
  percentileInterval,
  quantileInPlace,
  quantileName,
  quantileRatio,
  undecidedComparison,
  unusableSample,
  type Comparison,
} from './inference.js';
import { rng } from '../random.js';

export interface PairedOptions {
  /** Quantile compared (default 0.5, the median). */
  q?: number;
  resamples?: number;
  seed?: number;
  confidence?: number;
  /** Metric name: gives the direction (lower/higher is better) and the verdict words. */
  metric?: string;
}

export interface PairedComparison extends Comparison {
  pairs: number;
  /** Half the interval's width relative to the ratio: max(ratio/lo, hi/ratio) − 1; 0.03 reads "±3 %". NaN when undecided. */
  precision: number;
}

/**
 * Compares candidate with baseline where baseline[i] and candidate[i] were measured
 * as a pair. Throws when the arrays differ in length (a caller's bug, not data).
 */
export function comparePaired(
  baseline: readonly number[],
  candidate: readonly number[],
  opts: PairedOptions = {},
): PairedComparison {
  if (baseline.length !== candidate.length)
    throw new RangeError(`paired samples differ in length (${baseline.length} vs ${candidate.length})`);
  const { q = 0.5, resamples = 2000, seed = 1, confidence = 0.95, metric = 'value_ns' } = opts;
  const n = baseline.length;
  const undecided = (reason: string, qa = NaN, qb = NaN): PairedComparison => ({
    ...undecidedComparison(reason, q, confidence, qa, qb),
    pairs: n,
    precision: NaN,
  });
  if (n === 0) return undecided('no pairs');
  for (const [name, xs] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    const why = unusableSample(name, xs);
    if (why) return undecided(why);
  }
  const a = Float64Array.from(baseline);
  const b = Float64Array.from(candidate);
  const qa = quantileInPlace(Float64Array.from(a), q);
  const qb = quantileInPlace(Float64Array.from(b), q);
  const ratio = quantileRatio(qa, qb);
  const what = quantileName(q);
  if (!Number.isFinite(ratio)) return undecided(`the baseline ${what} is 0: the ratio is unbounded`, qa, qb);
  if (ratio === 0) return undecided(`the candidate ${what} is 0: the ratio's precision is unbounded`, qa, qb);
  const random = rng(seed);
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      ra[i] = a[j]!;
      rb[i] = b[j]!;
    }
    stats[r] = quantileRatio(quantileInPlace(ra, q), quantileInPlace(rb, q));
  }
  const interval = percentileInterval(stats, confidence);
  if (!Number.isFinite(interval.lo) || !Number.isFinite(interval.hi) || interval.lo <= 0) {
    return {
      ...undecided(
        `the ${Math.round(confidence * 1000) / 10}% interval is unbounded (resamples reach a baseline ${what} of 0)`,
        qa,
        qb,
      ),
      ratio,
      interval,
    };
  }
  const enough = n >= MIN_COMPARE_N;
  const { significant, verdict, regression } = judge(ratio, interval, enough, metric);
  const precision = Math.max(ratio / interval.lo, interval.hi / ratio) - 1;
  return {
    q,
    baseline: qa,
    candidate: qb,
    ratio,
    interval,
    significant,
    verdict,
    regression,
    undecided: null,
    pairs: n,
    precision,
  };
}

// Inference on samples: confidence intervals for the median (order statistics,
// exact binomial) and for any quantile or ratio of quantiles (seeded percentile
// bootstrap), and the comparison of two samples as a ratio with a verdict. Pure:
// the same input and seed give the same interval, so figures can be pinned.

import { rng } from '../random.js';

export interface Interval {
  lo: number;
  hi: number;
  /** Coverage actually achieved (order statistics can only give discrete levels). */
  confidence: number;
}

/** Value of rank k (0-based) of `a`, found by quickselect; reorders `a` in place. */
export function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as pivot keeps sorted or constant input from going quadratic.
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!,
      y = a[mid]!,
      z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Type-7 quantile (as descriptive.quantile) without a full sort; reorders `a` in place. */
export function quantileInPlace(a: Float64Array, q: number): number {
  if (a.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const h = (a.length - 1) * q;
  const lo = Math.floor(h);
  const vlo = selectInPlace(a, lo);
  if (h === lo) return vlo;
  // After selection everything right of `lo` is ≥ a[lo]: the next order statistic is their minimum.
  let vhi = Infinity;
  for (let i = lo + 1; i < a.length; i++) if (a[i]! < vhi) vhi = a[i]!;
  return vlo + (h - lo) * (vhi - vlo);
}

/**
 * Distribution-free interval for the median from order statistics: [X(l), X(n−l+1)]
 * with the largest l such that P(Binomial(n, ½) ≤ l−1) ≤ (1−confidence)/2. Exact for
 * any n; for n < 6 at 95 % no such l exists and the whole range is returned with the
 * coverage it really has.
 */
export function medianCI(values: readonly number[] | Float64Array, confidence = 0.95): Interval {
  const n = values.length;
  if (n === 0) throw new RangeError('median interval of an empty sample');
  const s = Float64Array.from(values).sort();
  const tail = (1 - confidence) / 2;
  // Walk the binomial CDF up from 0 in log space (2^-n underflows for n > 1074).
  let logPmf = -n * Math.LN2;
  let cdf = Math.exp(logPmf); // P(B ≤ l − 1) for the current l
  let l = 1; // 1-based rank of the lower bound
  const maxL = Math.floor((n + 1) / 2);
  while (l < maxL) {
    logPmf += Math.log(n - (l - 1)) - Math.log(l);
    const next = cdf + Math.exp(logPmf);
    if (next > tail) break;
    cdf = next;
    l++;
  }
  return { lo: s[l - 1]!, hi: s[n - l]!, confidence: Math.max(0, 1 - 2 * cdf) };
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** PRNG seed (default 1): the same seed gives the same interval. */
  seed?: number;
  confidence?: number;
  /** Always build explicit resamples, even for large samples (slow; for checking the direct method). */
  forceResample?: boolean;
}

function resampleInto(out: Float64Array, from: Float64Array, random: () => number): Float64Array {
  const n = from.length;
  for (let i = 0; i < n; i++) out[i] = from[Math.floor(random() * n)]!;
  return out;
}

/** Above this size a replicate is drawn through order statistics (O(1)) instead of by resampling (O(n)). */
export const DIRECT_BOOTSTRAP_MIN_N = 2000;

function standardNormal(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape ≥ 1, 1) by Marsaglia & Tsang (2000). */
function gammaVariate(shape: number, random: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function betaVariate(a: number, b: number, random: () => number): number {
  const x = gammaVariate(a, random);
  return x / (x + gammaVariate(b, random));
}

/**
 * One bootstrap replicate of the type-7 quantile q of the sorted sample s, without
 * building the resample. A resample is s[⌊n·U_i⌋] for n uniform U_i, and ⌊n·u⌋ is
 * monotone, so its k-th order statistic is s[⌊n·U_(k)⌋] with U_(k) ~ Beta(k, n+1−k);
 * the next one is U_(k) + (1 − U_(k))·(1 − V^(1/(n−k))). Same distribution as
 * resampling, O(1) instead of O(n).
 */
function replicateQuantileSorted(s: Float64Array, q: number, random: () => number): number {
  const n = s.length;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  const k = lo + 1;
  const at = (u: number) => s[Math.min(n - 1, Math.floor(n * u))]!;
  const u = betaVariate(k, n + 1 - k, random);
  const vlo = at(u);
  if (frac === 0) return vlo;
  const u2 = u + (1 - u) * (1 - Math.pow(random(), 1 / (n - k)));
  return vlo + frac * (at(u2) - vlo);
}

/** A bootstrap replicate generator of quantile q for one sample: by resampling when small, directly when large. */
function replicator(
  values: readonly number[] | Float64Array,
  q: number,
  random: () => number,
  forceResample = false,
): () => number {
  if (values.length >= DIRECT_BOOTSTRAP_MIN_N && !forceResample) {
    const s = Float64Array.from(values).sort();
    return () => replicateQuantileSorted(s, q, random);
  }
  const src = Float64Array.from(values);
  const buf = new Float64Array(src.length);
  return () => quantileInPlace(resampleInto(buf, src, random), q);
}

/** Percentile-bootstrap interval for quantile q (default: the median). */
export function bootstrapQuantileCI(
  values: readonly number[] | Float64Array,
  q = 0.5,
  opts: BootstrapOptions = {},
): Interval {
  if (values.length === 0) throw new RangeError('bootstrap of an empty sample');
  const { resamples = 1000, seed = 1, confidence = 0.95 } = opts;
  const next = replicator(values, q, rng(seed), opts.forceResample);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) stats[b] = next();
  return percentileInterval(stats, confidence);
}

export function percentileInterval(stats: Float64Array, confidence: number): Interval {
  const tail = (1 - confidence) / 2;
  const lo = quantileInPlace(stats, tail);
  const hi = quantileInPlace(stats, 1 - tail);
  return { lo, hi, confidence };
}

/** Which way is better for a metric, read from its unit suffix. */
export type Direction = 'lower-is-better' | 'higher-is-better';

export function metricDirection(metric: string): Direction {
  return /(_rps|_per_s|per_gib)($|_)/.test(metric) || /^(instances|apps)(_|$)/.test(metric)
    ? 'higher-is-better'
    : 'lower-is-better';
}

export type Verdict =
  'faster' | 'slower' | 'better' | 'worse' | 'no significant difference' | 'too few samples' | 'cannot decide';

/** Below this many samples on either side a bootstrap interval is degenerate (n = 1 gives [r, r]): no verdict. */
export const MIN_COMPARE_N = 5;

/** A ratio of quantiles, candidate over baseline: 0/0 (both zero) is "no difference", x/0 is unbounded. */
export const quantileRatio = (baseline: number, candidate: number): number =>
  baseline === 0 ? (candidate === 0 ? 1 : Infinity) : candidate / baseline;

/** How a quantile is named in messages: 'median', 'p99 quantile'. */
export const quantileName = (q: number): string => (q === 0.5 ? 'median' : `p${Math.round(q * 1000) / 10} quantile`);

/** Why a sample cannot be compared (a value that is not finite, or negative values), or null when it can. */
export function unusableSample(name: string, xs: ArrayLike<number> & Iterable<number>): string | null {
  let negative = false;
  for (const v of xs) {
    if (!Number.isFinite(v)) return `the ${name} holds a value that is not a finite number (${v})`;
    if (v < 0) negative = true;
  }
  return negative ? `the ${name} has negative values: a ratio of them means nothing` : null;
}

/** The verdict on a finite ratio and interval: significant when the interval excludes 1, words from the metric's unit. */
export function judge(
  ratio: number,
  interval: Interval,
  enough: boolean,
  metric: string,
): Pick<Comparison, 'significant' | 'verdict' | 'regression'> {
  const significant = enough && (interval.lo > 1 || interval.hi < 1);
  const regression = metricDirection(metric) === 'lower-is-better' ? ratio > 1 : ratio < 1;
  const timeLike = /_ns$|_rps$|_per_s$/.test(metric);
  const verdict: Verdict = !enough
    ? 'too few samples'
    : !significant
      ? 'no significant difference'
      : regression
        ? timeLike
          ? 'slower'
          : 'worse'
        : timeLike
          ? 'faster'
          : 'better';
  return { significant, verdict, regression };
}

/** A comparison with no verdict (fail closed): why, and the quantiles where they were known. */
export function undecidedComparison(reason: string, q: number, confidence: number, qa = NaN, qb = NaN): Comparison {
  return {
    q,
    baseline: qa,
    candidate: qb,
    ratio: NaN,
    interval: { lo: NaN, hi: NaN, confidence },
    significant: false,
    verdict: 'cannot decide',
    regression: false,
    undecided: reason,
  };
}

export interface Comparison {
  /** Quantile compared: 0.5 for the median. */
  q: number;
  baseline: number;
  candidate: number;
  /** candidate / baseline. */
  ratio: number;
  interval: Interval;
  /** The interval excludes 1. */
  significant: boolean;
  /** From the candidate's point of view. */
  verdict: Verdict;
  /** The candidate is worse than the baseline (larger for lower-is-better metrics), whether or not significantly. */
  regression: boolean;
  /**
   * Why no verdict can be given at all (verdict 'cannot decide'): an empty or
   * non-finite sample, negative values, a ratio or interval that is not finite. Null
   * when the ratio and its interval are finite. Callers must fail closed on it.
   */
  undecided: string | null;
}

/**
 * Compares candidate with baseline as a ratio of quantiles (default the medians),
 * with a percentile-bootstrap interval that resamples both independently. Verdict
 * words: faster/slower for times (…_ns) and rates (…_rps), better/worse otherwise.
 */
export function compareSamples(
  baseline: readonly number[] | Float64Array,
  candidate: readonly number[] | Float64Array,
  opts: BootstrapOptions & { q?: number; metric?: string } = {},
): Comparison {
  const { resamples = 1000, seed = 1, confidence = 0.95, q = 0.5, metric = 'value_ns' } = opts;
  const undecided = (reason: string, qa = NaN, qb = NaN) => undecidedComparison(reason, q, confidence, qa, qb);
  // Fail closed: without a finite ratio and interval there is no verdict, not "no
  // significant difference" (NaN compares false with everything, so it would read as one).
  for (const [name, xs] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (xs.length === 0) return undecided(`no samples in the ${name}`);
    const why = unusableSample(name, xs);
    if (why) return undecided(why);
  }
  const a = Float64Array.from(baseline);
  const b = Float64Array.from(candidate);
  const qa = quantileInPlace(Float64Array.from(a), q);
  const qb = quantileInPlace(Float64Array.from(b), q);
  const what = quantileName(q);
  // 0/0 (both zero) is "no difference"; x/0 is an unbounded ratio: no verdict.
  const ratio = quantileRatio(qa, qb);
  if (!Number.isFinite(ratio)) return undecided(`the baseline ${what} is 0: the ratio is unbounded`, qa, qb);
  const random = rng(seed);
  const nextA = replicator(a, q, random, opts.forceResample);
  const nextB = replicator(b, q, random, opts.forceResample);
  const stats = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    const ra = nextA();
    const rb = nextB();
    stats[i] = quantileRatio(ra, rb);
  }
  const interval = percentileInterval(stats, confidence);
  if (!Number.isFinite(interval.lo) || !Number.isFinite(interval.hi)) {
    return {
      ...undecided(
        `the ${Math.round(confidence * 1000) / 10}% interval is unbounded (baseline resamples reach a ${what} of 0)`,
        qa,
        qb,
      ),
      ratio,
      interval,
    };
  }
  const enough = a.length >= MIN_COMPARE_N && b.length >= MIN_COMPARE_N;
  const { significant, verdict, regression } = judge(ratio, interval, enough, metric);
  return { q, baseline: qa, candidate: qb, ratio, interval, significant, verdict, regression, undecided: null };
}

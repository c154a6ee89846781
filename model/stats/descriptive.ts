// Descriptive statistics. Pure functions over plain number arrays; every one has
// pinned-value tests. Quantiles use linear interpolation between order statistics
// (Hyndman & Fan type 7, the default of R and NumPy) so figures can be checked
// against either.

export function sorted(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

function requireValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what} of an empty sample`);
}

/** Quantile q ∈ [0, 1] of an already sorted sample (type 7). */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (s.length === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  requireValues(values, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1). */
export function stddev(values: readonly number[]): number {
  requireValues(values, 'standard deviation');
  if (values.length < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

/** Coefficient of variation: stddev / mean. */
export function cv(values: readonly number[]): number {
  const m = mean(values);
  return m === 0 ? 0 : stddev(values) / m;
}

/** Median absolute deviation (raw, not scaled by 1.4826). */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export interface Summary {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
  p999: number;
  stddev: number;
  cv: number;
  mad: number;
}

export function summarize(values: readonly number[]): Summary {
  requireValues(values, 'summary');
  const s = Float64Array.from(values).sort();
  return {
    n: s.length,
    min: s[0]!,
    max: s[s.length - 1]!,
    mean: mean(values),
    median: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
    p999: quantileSorted(s, 0.999),
    stddev: stddev(values),
    cv: cv(values),
    mad: mad(values),
  };
}

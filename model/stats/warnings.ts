// Noise warnings, each with a hint, computed from the samples in measurement
// order. Nothing is deleted: a warning says what looks wrong and what to try.

import { cv, mad, median, quantileSorted } from './descriptive.js';

export type WarningKind = 'few-samples' | 'high-cv' | 'outliers' | 'slow-first-sample' | 'coarse-timer';

export interface StatWarning {
  kind: WarningKind;
  message: string;
  hint: string;
}

export interface WarningOptions {
  /** CV above this is "high" (default 0.1). */
  maxCv?: number;
  /** Fewer samples than this get a warning (default 10). */
  minSamples?: number;
  /** Treat values as times (…_ns): check the timer's resolution. Default true. */
  timed?: boolean;
  /**
   * How to get more samples of this series, as a hint ends: "raise --iterations" by
   * default; a mode whose samples are repetitions of a whole measurement says its
   * own (density: "raise --density-repeats"), the caller knowing the mode.
   */
  moreSamples?: string;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Warnings for one sample, given in measurement order (the first element is the first sample taken). */
export function sampleWarnings(values: readonly number[], opts: WarningOptions = {}): StatWarning[] {
  const { maxCv = 0.1, minSamples = 10, timed = true, moreSamples = 'raise --iterations' } = opts;
  const n = values.length;
  const out: StatWarning[] = [];
  if (n === 0) return out;
  if (n < minSamples) {
    out.push({
      kind: 'few-samples',
      message: `only ${n} sample${n === 1 ? '' : 's'}`,
      hint: `intervals from fewer than ${minSamples} samples are wide; ${moreSamples}`,
    });
  }
  const m = median(values);
  const c = cv(values);
  if (n >= 2 && c > maxCv) {
    out.push({
      kind: 'high-cv',
      message: `high variation: CV ${(c * 100).toFixed(1)}% (above ${(maxCv * 100).toFixed(0)}%)`,
      hint: `the machine may be busy or frequency-scaling: close other programs, pin the CPU governor, ${moreSamples}; compare medians, not means`,
    });
  }
  if (n >= 4) {
    const s = Float64Array.from(values).sort();
    const q1 = quantileSorted(s, 0.25);
    const q3 = quantileSorted(s, 0.75);
    const iqr = q3 - q1;
    // Tukey's far-out fences (3 × IQR): points beyond them are rare in a quiet, unimodal sample.
    const low = q1 - 3 * iqr;
    const high = q3 + 3 * iqr;
    let below = 0;
    let above = 0;
    for (const v of values) {
      if (v < low) below++;
      else if (v > high) above++;
    }
    if (iqr > 0 && below + above > 0) {
      out.push({
        kind: 'outliers',
        message: `${below + above} outlier${below + above === 1 ? '' : 's'} of ${n} (${(((below + above) / n) * 100).toFixed(1)}%) beyond 3×IQR from the quartiles (${above} high, ${below} low)`,
        hint: 'kept in every figure: look for interference (other processes, GC, swapping); the median and its interval are robust to them',
      });
    }
    // The first sample against the rest: a cache, JIT or page-in effect that warm-up should absorb.
    const rest = values.slice(1);
    const mr = median(rest);
    const spread = 1.4826 * mad(rest);
    const first = values[0]!;
    if (first > mr * 1.5 && first > mr + 5 * spread) {
      out.push({
        kind: 'slow-first-sample',
        message: `the first sample (${fmt(first)}) is ${(first / (mr || 1)).toFixed(1)}× the median of the others`,
        hint: 'something warmed up during the first sample (caches, JIT, page cache): raise --warmup',
      });
    }
  }
  if (timed && m >= 0) {
    let g = 0;
    let zeros = 0;
    for (const v of values) {
      if (!Number.isInteger(v)) {
        g = 1;
        break;
      }
      if (v === 0) zeros++;
      g = gcd(g, Math.abs(v));
      if (g === 1) break;
    }
    if (zeros > 0) {
      out.push({
        kind: 'coarse-timer',
        message: `${zeros} sample${zeros === 1 ? ' is' : 's are'} zero: below the timer's resolution`,
        hint: 'the value is too small to time one at a time: time a batch and divide, or use a finer clock',
      });
    } else if (g > 1 && n >= 3 && m / g < 100) {
      out.push({
        kind: 'coarse-timer',
        message: `all values are multiples of ${fmt(g)}: the timer's step is ${((g / m) * 100).toFixed(1)}% of the median`,
        hint: 'the clock is too coarse for the value: use a nanosecond clock (process.hrtime) or time a batch of operations',
      });
    }
  }
  return out;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

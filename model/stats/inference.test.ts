import { describe, expect, it } from 'vitest';
import { quantile } from './descriptive.js';
import { bootstrapQuantileCI, compareSamples, medianCI, metricDirection, quantileInPlace } from './inference.js';
import { rng } from '../random.js';

// Pinned values computed independently in Python: order-statistic ranks from math.comb
// (they match the published tables: n=10 → ranks 2, 9; n=20 → 6, 15; n=100 → 40, 61),
// bootstrap intervals from a Python port of mulberry32 with numpy.quantile (type 7).
const xs = [12, 3, 7, 1, 9, 4, 15, 6, 2, 10];
const a = Array.from({ length: 40 }, (_, i) => 100 + ((i * 37) % 23));

describe('median confidence interval from order statistics', () => {
  it('gives the tabulated ranks and their exact coverage', () => {
    expect(medianCI(xs)).toEqual({ lo: 2, hi: 12, confidence: 0.978515625 });
    const ranks = (n: number) => {
      const ci = medianCI(Array.from({ length: n }, (_, i) => i + 1));
      return [ci.lo, ci.hi, ci.confidence];
    };
    expect(ranks(20)).toEqual([6, 15, expect.closeTo(0.9586105346679688, 12)]);
    expect(ranks(100)).toEqual([40, 61, expect.closeTo(0.9647997997822952, 12)]);
    expect(ranks(1001)).toEqual([470, 532, expect.closeTo(0.9500154764972458, 9)]);
  });

  it('falls back to the whole range, with its real coverage, for tiny samples', () => {
    expect(medianCI([3, 1, 2, 5, 4])).toEqual({ lo: 1, hi: 5, confidence: 0.9375 });
    expect(medianCI([7])).toEqual({ lo: 7, hi: 7, confidence: 0 });
    expect(() => medianCI([])).toThrow(/empty/);
  });

  it('handles samples far larger than 2^-n can represent', () => {
    const ci = medianCI(Array.from({ length: 100_000 }, (_, i) => i));
    expect(ci.lo).toBeLessThan(50_000);
    expect(ci.hi).toBeGreaterThan(50_000);
    expect(ci.confidence).toBeGreaterThanOrEqual(0.95);
    expect(ci.confidence).toBeLessThan(0.951);
  });
});

describe('quickselect quantiles', () => {
  it('agree with the sorting type-7 quantile', () => {
    const r = rng(3);
    for (let t = 0; t < 50; t++) {
      const v = Array.from({ length: 1 + Math.floor(r() * 60) }, () => Math.floor(r() * 20));
      for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1])
        expect(quantileInPlace(Float64Array.from(v), q)).toBeCloseTo(quantile(v, q), 10);
    }
  });
});

describe('seeded bootstrap', () => {
  it('median interval is pinned and repeatable', () => {
    expect(bootstrapQuantileCI(xs, 0.5, { seed: 42 })).toEqual({ lo: 3, hi: 10.5, confidence: 0.95 });
    expect(bootstrapQuantileCI(a, 0.5, { seed: 9 })).toEqual(bootstrapQuantileCI(a, 0.5, { seed: 9 }));
  });

  it('ratio of medians: pinned interval, verdict by the unit', () => {
    const b = a.map((v) => v * 1.2);
    const c = compareSamples(a, b, { seed: 7, metric: 'cold_start_ns' });
    expect(c.baseline).toBe(111);
    expect(c.candidate).toBeCloseTo(133.2, 10);
    expect(c.ratio).toBeCloseTo(1.2, 12);
    expect(c.interval.lo).toBeCloseTo(1.1464285714285716, 12);
    expect(c.interval.hi).toBeCloseTo(1.2611182170542634, 12);
    expect(c).toMatchObject({ significant: true, verdict: 'slower', regression: true });
    // Higher is better for a rate: the same ratio is an improvement.
    expect(compareSamples(a, b, { seed: 7, metric: 'throughput_rps' })).toMatchObject({
      verdict: 'faster',
      regression: false,
    });
    expect(compareSamples(b, a, { seed: 7, metric: 'rss_bytes' })).toMatchObject({
      verdict: 'better',
      regression: false,
    });
  });

  it('says "no significant difference" when the interval straddles 1', () => {
    const jittered = a.map((v) => v + ((v * 7) % 3) - 1);
    const c = compareSamples(a, jittered, { seed: 7, metric: 'cold_start_ns' });
    expect(c.interval.lo).toBeLessThan(1);
    expect(c.interval.hi).toBeGreaterThan(1);
    expect(c).toMatchObject({ significant: false, verdict: 'no significant difference' });
  });

  it('compares other quantiles (p99) and survives zero medians', () => {
    const c = compareSamples(
      a,
      a.map((v) => v * 2),
      { q: 0.99, seed: 1 },
    );
    expect(c.ratio).toBeCloseTo(2, 12);
    expect(c.verdict).toBe('slower');
    expect(compareSamples([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])).toMatchObject({
      ratio: 1,
      verdict: 'no significant difference',
    });
    // One sample a side gives a zero-width interval: no verdict from that.
    expect(compareSamples([100], [200])).toMatchObject({ ratio: 2, significant: false, verdict: 'too few samples' });
    expect(compareSamples([100, 101, 99, 100], [200, 201, 199, 200, 202])).toMatchObject({
      verdict: 'too few samples',
    });
  });

  // Fail closed: a comparison that cannot give a finite ratio and interval has no verdict,
  // never "no significant difference" (which a gate reads as a pass).
  it.each([
    ['an empty baseline', [], [1, 2, 3, 4, 5], /no samples in the baseline/],
    ['an empty candidate', [1, 2, 3, 4, 5], [], /no samples in the candidate/],
    [
      'Infinity in the candidate',
      [100, 101, 99, 100, 102],
      [Infinity, Infinity, Infinity, Infinity, Infinity],
      /candidate holds a value that is not a finite number/,
    ],
    [
      'NaN in the baseline',
      [NaN, 100, 101, 99, 100],
      [100, 101, 99, 100, 102],
      /baseline holds a value that is not a finite number/,
    ],
    [
      'a zero baseline median (x / 0)',
      [0, 0, 0, 0, 0, 0],
      [100, 101, 99, 100, 102, 100],
      /baseline median is 0: the ratio is unbounded/,
    ],
    [
      'a baseline that reaches 0 in resamples (unbounded interval)',
      [0, 0, 0, 0, 100, 100, 100, 100, 100],
      [100, 101, 99, 100, 102, 100, 100, 100, 100],
      /interval is unbounded/,
    ],
    [
      'negative values (a difference metric)',
      [-100, -101, -99, -100, -102],
      [-200, -201, -199, -200, -202],
      /negative values: a ratio of them means nothing/,
    ],
  ])('cannot decide on %s', (_what, base, cand, reason) => {
    const c = compareSamples(base as number[], cand as number[], { seed: 1, metric: 'cold_start_ns' });
    expect(c).toMatchObject({ verdict: 'cannot decide', significant: false });
    expect(c.undecided).toMatch(reason);
  });

  it('a decided comparison has a finite ratio and interval and no reason', () => {
    const c = compareSamples(
      a,
      a.map((v) => v * 2),
      { seed: 1 },
    );
    expect(c.undecided).toBeNull();
    expect([c.ratio, c.interval.lo, c.interval.hi].every(Number.isFinite)).toBe(true);
  });

  it('large samples: the direct order-statistic bootstrap agrees with explicit resampling', () => {
    const r = rng(11);
    // Skewed like cold starts: a log-normal-ish body with a tail.
    const big = Array.from({ length: 3000 }, () =>
      Math.round(200_000 * Math.exp(0.3 * (r() + r() + r() - 1.5)) + (r() < 0.02 ? 2_000_000 * r() : 0)),
    );
    const other = big.map((v) => Math.round(v * 1.03));
    for (const q of [0.5, 0.99]) {
      const direct = bootstrapQuantileCI(big, q, { resamples: 2000, seed: 5 });
      const resampled = bootstrapQuantileCI(big, q, { resamples: 2000, seed: 5, forceResample: true });
      const width = resampled.hi - resampled.lo;
      expect(Math.abs(direct.lo - resampled.lo)).toBeLessThan(0.25 * width);
      expect(Math.abs(direct.hi - resampled.hi)).toBeLessThan(0.25 * width);
    }
    // And with the distribution-free interval for the median.
    const os = medianCI(big);
    const direct = bootstrapQuantileCI(big, 0.5, { resamples: 2000, seed: 5 });
    expect(Math.abs(direct.lo - os.lo)).toBeLessThan(0.3 * (os.hi - os.lo));
    expect(Math.abs(direct.hi - os.hi)).toBeLessThan(0.3 * (os.hi - os.lo));
    const c1 = compareSamples(big, other, { seed: 2 });
    const c2 = compareSamples(big, other, { seed: 2, forceResample: true });
    expect(c1.verdict).toBe(c2.verdict);
    expect(Math.abs(c1.interval.lo - c2.interval.lo)).toBeLessThan(0.005);
    expect(Math.abs(c1.interval.hi - c2.interval.hi)).toBeLessThan(0.005);
  });

  it('reads the better direction from the metric name', () => {
    expect(metricDirection('cold_start_ns')).toBe('lower-is-better');
    expect(metricDirection('rss_bytes')).toBe('lower-is-better');
    expect(metricDirection('throughput_rps')).toBe('higher-is-better');
    expect(metricDirection('instances_per_gib')).toBe('higher-is-better');
  });
});

// Pinned values of the paired-bootstrap ratio, and the property that makes the duet
// gate worth having: noise shared by both sides of a pair cancels in the interval.

import { describe, expect, it } from 'vitest';
import { comparePaired } from './paired.js';
import { compareSamples } from './inference.js';
import { rng } from '../random.js';

/** Pairs with a shared per-pair drift (0.5×…2×) and a little own noise; candidate = baseline × `factor`. */
function drifting(n: number, factor: number, seed: number): { a: number[]; b: number[] } {
  const r = rng(seed);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const drift = 0.5 + 1.5 * r();
    a.push(Math.round(1_000_000 * drift * (1 + 0.01 * (r() - 0.5))));
    b.push(Math.round(1_000_000 * factor * drift * (1 + 0.01 * (r() - 0.5))));
  }
  return { a, b };
}

describe('comparePaired', () => {
  it('gives pinned figures for a fixed input and seed', () => {
    const { a, b } = drifting(200, 1.1, 7);
    const c = comparePaired(a, b, { seed: 1, resamples: 1000, metric: 'cold_start_ns' });
    expect(c.undecided).toBeNull();
    expect(c.pairs).toBe(200);
    expect(c.ratio).toBeCloseTo(PINNED.ratio, 10);
    expect(c.interval.lo).toBeCloseTo(PINNED.lo, 10);
    expect(c.interval.hi).toBeCloseTo(PINNED.hi, 10);
    expect(c.precision).toBeCloseTo(PINNED.precision, 10);
    expect(c.verdict).toBe('slower');
    expect(c.regression).toBe(true);
    expect(c.significant).toBe(true);
    // Same seed, same interval.
    expect(comparePaired(a, b, { seed: 1, resamples: 1000, metric: 'cold_start_ns' }).interval).toEqual(c.interval);
  });

  it('is much narrower than the unpaired interval when both sides share the drift', () => {
    const { a, b } = drifting(300, 1.05, 3);
    const paired = comparePaired(a, b, { seed: 2 });
    const unpaired = compareSamples(a, b, { seed: 2 });
    const width = (x: { interval: { lo: number; hi: number } }) => x.interval.hi - x.interval.lo;
    expect(width(paired) * 5).toBeLessThan(width(unpaired));
    expect(paired.interval.lo).toBeGreaterThan(1);
    expect(unpaired.significant).toBe(false);
  });

  it('finds no difference between the same sample on both sides', () => {
    const { a } = drifting(100, 1, 4);
    const c = comparePaired(a, a, { seed: 3 });
    expect(c.ratio).toBe(1);
    expect(c.interval).toMatchObject({ lo: 1, hi: 1 });
    expect(c.verdict).toBe('no significant difference');
    expect(c.precision).toBe(0);
  });

  it('reads rates the other way round', () => {
    const c = comparePaired([100, 110, 120, 130, 140, 150], [90, 99, 108, 117, 126, 135], {
      metric: 'max_throughput_rps',
    });
    expect(c.regression).toBe(true);
    expect(c.ratio).toBeCloseTo(0.9, 12);
  });

  it('fails closed on what it cannot judge', () => {
    expect(comparePaired([], []).undecided).toBe('no pairs');
    expect(comparePaired([1, Infinity], [1, 2]).undecided).toMatch(/not a finite number/);
    expect(comparePaired([1, -2], [1, 2]).undecided).toMatch(/negative/);
    expect(comparePaired([0, 0, 0], [1, 2, 3]).undecided).toMatch(/baseline median is 0/);
    expect(comparePaired([1, 2, 3], [0, 0, 0]).undecided).toMatch(/candidate median is 0/);
    expect(comparePaired([0, 0, 0, 5, 5, 5, 5], [1, 1, 1, 1, 1, 1, 1]).undecided).toMatch(/interval is unbounded/);
    expect(() => comparePaired([1, 2, 3], [1, 2, 3, 4])).toThrow(/differ in length/);
    expect(comparePaired([1, 2, 3], [2, 4, 6]).verdict).toBe('too few samples');
  });
});

const PINNED = {
  ratio: 1.101477174629052,
  lo: 1.0916164683588154,
  hi: 1.1051737195231157,
  precision: 0.009033123405568944,
};

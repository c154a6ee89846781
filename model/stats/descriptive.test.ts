import { describe, expect, it } from 'vitest';
import { cv, mad, mean, median, quantile, stddev, summarize } from './descriptive.js';

// Pinned values computed independently with Python (statistics.stdev, numpy-style type-7 quantiles).
describe('descriptive statistics', () => {
  const xs = [12, 3, 7, 1, 9, 4, 15, 6, 2, 10];

  it('median of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median(xs)).toBe(6.5);
  });

  it('type-7 quantiles', () => {
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 1)).toBe(15);
    expect(quantile(xs, 0.9)).toBeCloseTo(12.3, 10);
    expect(quantile(xs, 0.99)).toBeCloseTo(14.73, 10);
    expect(quantile(xs, 0.25)).toBeCloseTo(3.25, 10);
  });

  it('mean, standard deviation, CV, MAD', () => {
    expect(mean(xs)).toBe(6.9);
    expect(stddev(xs)).toBeCloseTo(4.581363, 6);
    expect(cv(xs)).toBeCloseTo(4.581363 / 6.9, 6);
    expect(mad(xs)).toBe(3.5);
    expect(stddev([42])).toBe(0);
  });

  it('summary agrees with the single functions', () => {
    const s = summarize(xs);
    expect(s).toMatchObject({ n: 10, min: 1, max: 15, median: 6.5, mad: 3.5 });
    expect(s.p90).toBeCloseTo(12.3, 10);
  });

  it('refuses empty samples and bad quantiles', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => quantile(xs, 1.5)).toThrow(/outside/);
  });
});

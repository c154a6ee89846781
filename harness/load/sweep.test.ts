import { describe, expect, it } from 'vitest';
import { parseDurationNs, roundRate, sloCrossing, sweepRates } from './sweep.js';

describe('rate sweep', () => {
  it('rounds rates to two significant digits', () => {
    expect(roundRate(12345)).toBe(12000);
    expect(roundRate(987)).toBe(990);
    expect(roundRate(7.4)).toBe(7);
    expect(roundRate(0)).toBe(1);
  });
  it('sweeps 10%..120% of the maximum, ascending and distinct', () => {
    expect(sweepRates(10_000)).toEqual([1000, 5000, 8000, 10000, 12000]);
    expect(sweepRates(10_000, [0.25, 0.9])).toEqual([2500, 9000]);
    expect(sweepRates(3)).toEqual([1, 2, 3, 4]);
    expect(sweepRates(0)).toEqual([10, 50, 80, 100, 120]);
  });
});

describe('SLO crossing', () => {
  const pts = [
    { rate: 300, p99Ns: 2_000_000, failed: false },
    { rate: 100, p99Ns: 500_000, failed: false },
    { rate: 200, p99Ns: 900_000, failed: false },
    { rate: 400, p99Ns: 800_000, failed: false },
  ];
  it('is the last rate before p99 first exceeds the SLO (later recoveries do not count)', () => {
    expect(sloCrossing(pts, 1_000_000)).toEqual({ sustainedRps: 200, crossedAtRps: 300 });
  });
  it('reports no crossing when every rate meets the SLO', () => {
    expect(sloCrossing(pts, 5_000_000)).toEqual({ sustainedRps: 400, crossedAtRps: null });
  });
  it('treats a failed step as a crossing', () => {
    expect(sloCrossing([{ rate: 100, p99Ns: 1, failed: true }], 1e9)).toEqual({ sustainedRps: 0, crossedAtRps: 100 });
  });
});

describe('durations', () => {
  it('parses units into ns, bare numbers as ms', () => {
    expect(parseDurationNs('500us')).toBe(500_000);
    expect(parseDurationNs('2ms')).toBe(2_000_000);
    expect(parseDurationNs('1.5s')).toBe(1_500_000_000);
    expect(parseDurationNs('3')).toBe(3_000_000);
    expect(() => parseDurationNs('fast')).toThrow(/not a duration/);
    expect(() => parseDurationNs('0ms')).toThrow(/more than zero/);
  });
});

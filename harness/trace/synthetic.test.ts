// The synthetic trace matches the figures its header comment quotes, on seeded samples.

import { describe, expect, it } from 'vitest';
import { cv } from '../../model/stats/descriptive.js';
import { TRIGGER_SHARES, dailyRateAt, syntheticTrace } from './synthetic.js';
import { invocationCount, mergedArrivals } from './types.js';

const share = (xs: readonly unknown[], pred: (x: never) => boolean) =>
  xs.filter((x) => pred(x as never)).length / xs.length;

describe('synthetic trace', () => {
  it("draws daily counts through the paper's points: 45 % ≤ 1/h, 80 % ≤ 1/min, over 8 orders of magnitude", () => {
    // A short window: the rate law does not depend on it, and 10^8/day functions stay cheap.
    const { specs } = syntheticTrace({ functions: 20_000, hours: 0.0005, seed: 7 });
    const rates = specs.map((s) => s.dailyRate);
    expect(share(rates, (r: number) => r <= 24)).toBeCloseTo(0.45, 1.7);
    expect(share(rates, (r: number) => r <= 1440)).toBeCloseTo(0.8, 1.7);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...rates)).toBeLessThanOrEqual(1e8);
    expect(Math.log10(Math.max(...rates) / Math.min(...rates))).toBeGreaterThan(7.5);
    // the law itself, at its points
    expect(dailyRateAt(0)).toBeCloseTo(1, 9);
    expect(dailyRateAt(0.45)).toBeCloseTo(24, 6);
    expect(dailyRateAt(0.8)).toBeCloseTo(1440, 4);
    expect(dailyRateAt(1)).toBeCloseTo(1e8, -2);
  });

  it("gives triggers in the paper's shares", () => {
    const { specs } = syntheticTrace({ functions: 20_000, hours: 0.0005, seed: 8 });
    for (const [name, want] of TRIGGER_SHARES)
      expect(share(specs, (s: { trigger: string }) => s.trigger === name)).toBeCloseTo(want, 1.7);
  });

  it('is bursty: timers periodic (CV 0), the others with inter-arrival CV > 1', () => {
    const { trace, specs } = syntheticTrace({ functions: 1500, hours: 12, seed: 3, maxPerMinute: 1 });
    const cvs = { timer: [] as number[], bursty: [] as number[] };
    trace.functions.forEach((f, i) => {
      if (f.arrivalsMs.length < 100) return;
      const gaps = f.arrivalsMs.slice(1).map((t, k) => t - f.arrivalsMs[k]!);
      (specs[i]!.trigger === 'timer' ? cvs.timer : cvs.bursty).push(cv(gaps));
    });
    expect(cvs.timer.length).toBeGreaterThan(10);
    expect(cvs.bursty.length).toBeGreaterThan(50);
    for (const c of cvs.timer) expect(c).toBeLessThan(1e-6);
    // heavy tails make a sample CV converge from below: most, not all, show it above 1
    expect(share(cvs.bursty, (c: number) => c > 1)).toBeGreaterThan(0.9);
  });

  it('invokes each function at its drawn rate (stationary: no burst at the start)', () => {
    const hours = 12;
    const { trace, specs } = syntheticTrace({ functions: 2000, hours, seed: 11, maxPerMinute: 1 });
    let expected = 0;
    let got = 0;
    let firstQuarter = 0;
    trace.functions.forEach((f, i) => {
      expected += (specs[i]!.dailyRate * hours) / 24;
      got += f.arrivalsMs.length;
      firstQuarter += f.arrivalsMs.filter((t) => t < trace.durationMs / 4).length;
      const inOrder = f.arrivalsMs.every((t, k) => t >= (k === 0 ? 0 : f.arrivalsMs[k - 1]!) && t < trace.durationMs);
      expect(inOrder).toBe(true);
    });
    expect(got / expected).toBeGreaterThan(0.9);
    expect(got / expected).toBeLessThan(1.1);
    expect(firstQuarter / got).toBeGreaterThan(0.2);
    expect(firstQuarter / got).toBeLessThan(0.3);
  });

  it('caps the busiest functions and leaves the quoted figures as they are', () => {
    const capped = syntheticTrace({ functions: 5000, hours: 0.01, seed: 5, maxPerMinute: 6 }).specs;
    const free = syntheticTrace({ functions: 5000, hours: 0.01, seed: 5 }).specs;
    expect(Math.max(...capped.map((s) => s.dailyRate))).toBeLessThanOrEqual(6 * 1440);
    expect(capped.map((s) => s.drawnDailyRate)).toEqual(free.map((s) => s.drawnDailyRate));
    expect(share(capped, (s: { dailyRate: number }) => s.dailyRate <= 1440)).toBe(
      share(free, (s: { dailyRate: number }) => s.dailyRate <= 1440),
    );
  });

  it('is the same trace for the same seed, another for another seed', () => {
    const a = syntheticTrace({ functions: 100, hours: 1, seed: 42, maxPerMinute: 6 }).trace;
    const b = syntheticTrace({ functions: 100, hours: 1, seed: 42, maxPerMinute: 6 }).trace;
    const c = syntheticTrace({ functions: 100, hours: 1, seed: 43, maxPerMinute: 6 }).trace;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.source).toContain('capped at 6/min');
    const merged = mergedArrivals(a);
    expect(merged.length).toBe(invocationCount(a));
    for (let i = 1; i < merged.length; i++) expect(merged[i]!.atMs).toBeGreaterThanOrEqual(merged[i - 1]!.atMs);
  });
});

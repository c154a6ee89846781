// The soak benchmark's verdict helpers: least-squares slope, the flatness criterion
// (fitted drift over the window vs 5 % of the mean, at least one unit), what counts
// as a failed request. The benchmark itself is run by hand (npm run bench:soak).

import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../harness/load/types.js';
import { failedRequests, leastSquares, trend, warmupSeconds, type Sample } from './bench-soak.js';

const MiB = 2 ** 20;
/** Samples every 5 s for `seconds`, RSS from `rss(t)`. */
const series = (seconds: number, rss: (t: number) => number, fds = (_t: number) => 20): Sample[] =>
  Array.from({ length: seconds / 5 + 1 }, (_, i) => ({ t: i * 5, rssBytes: rss(i * 5), fds: fds(i * 5), threads: 11 }));

describe('bench-soak verdict', () => {
  it('least squares recovers a line, and is 0 without spread', () => {
    const xs = [0, 1, 2, 3, 4];
    const { slope, intercept } = leastSquares(
      xs,
      xs.map((x) => 3 + 2 * x),
    );
    expect(slope).toBeCloseTo(2, 12);
    expect(intercept).toBeCloseTo(3, 12);
    expect(leastSquares([1, 1], [5, 7]).slope).toBe(0);
  });

  it('a flat sawtooth (GC) is flat; a steady leak of 1 MiB/min over 10 min on 80 MiB is not', () => {
    const saw = trend(
      series(600, (t) => 80 * MiB + ((t % 30) / 30) * 4 * MiB),
      (s) => s.rssBytes,
      60,
      1,
    );
    expect(saw.flat).toBe(true);
    const leak = trend(
      series(600, (t) => 80 * MiB + (t / 60) * MiB),
      (s) => s.rssBytes,
      60,
      1,
    );
    expect(leak.slopePerMin / MiB).toBeCloseTo(1, 6);
    expect(leak.drift / MiB).toBeCloseTo(9, 6); // 9 minutes after the 60 s warm-up
    expect(leak.flat).toBe(false);
  });

  it('counts: one fd more at the end is within the allowance, one per minute is a leak', () => {
    const step = trend(
      series(
        600,
        () => 80 * MiB,
        (t) => (t > 590 ? 21 : 20),
      ),
      (s) => s.fds,
      60,
      1,
    );
    expect(step.flat).toBe(true);
    const leak = trend(
      series(
        600,
        () => 80 * MiB,
        (t) => 20 + Math.floor(t / 60),
      ),
      (s) => s.fds,
      60,
      1,
    );
    expect(leak.flat).toBe(false);
  });

  it('warm-up is 10 % of the run, at most 60 s; the warm-up is left out of the fit', () => {
    expect(warmupSeconds(600)).toBe(60);
    expect(warmupSeconds(20)).toBe(2);
    const t = trend(
      series(600, (t) => (t < 60 ? 40 * MiB + t * MiB : 100 * MiB)),
      (s) => s.rssBytes,
      60,
      1,
    );
    expect(t.flat).toBe(true);
    expect(
      trend(
        series(10, () => 1),
        (s) => s.rssBytes,
        0,
        1,
      ).flat,
    ).toBe(true);
    expect(
      trend(
        series(5, () => 1),
        (s) => s.rssBytes,
        0,
        1,
      ).flat,
    ).toBe(false); // too few samples to say
  });

  it('every kind of failure counts, requests never answered too', () => {
    const base = { badStatus: 0, mismatches: 0, errors: 0, timeouts: 0, unfinished: 0 } as LoadResult;
    expect(failedRequests(base)).toBe(0);
    expect(failedRequests({ ...base, badStatus: 1, mismatches: 2, errors: 3, timeouts: 4, unfinished: 5 })).toBe(15);
  });
});

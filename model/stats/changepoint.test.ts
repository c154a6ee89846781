// PELT change points on pinned series: steps found where they are, none in noise.

import { describe, expect, it } from 'vitest';
import { changePoints, pelt } from './changepoint.js';
import { rng } from '../random.js';

const noisy = (levels: Array<[number, number]>, noise: number, seed: number): number[] => {
  const r = rng(seed);
  return levels.flatMap(([level, n]) => Array.from({ length: n }, () => level * (1 + noise * (r() - 0.5))));
};

describe('PELT', () => {
  it('finds exact steps in a noiseless mean-shift series', () => {
    expect(pelt([0, 0, 0, 0, 5, 5, 5, 5, 1, 1, 1, 1], 0.5, 2 * Math.log(12))).toEqual([4, 8]);
  });

  it('finds none in a constant series and none when σ is 0', () => {
    expect(pelt([1, 1, 1, 1, 1, 1], 0.5, 2 * Math.log(6))).toEqual([]);
    expect(pelt([1, 2, 3, 4], 0, 1)).toEqual([]);
  });
});

describe('changePoints', () => {
  it('finds a 10 % regression and its later fix among 2 % noise (pinned)', () => {
    const v = noisy(
      [
        [300_000, 15],
        [330_000, 10],
        [300_000, 12],
      ],
      0.02,
      1,
    );
    const cps = changePoints(v);
    expect(cps.map((c) => c.index)).toEqual([15, 25]);
    expect(cps[0]!.ratio).toBeCloseTo(PINNED[0]!, 10);
    expect(cps[1]!.ratio).toBeCloseTo(PINNED[1]!, 10);
  });

  it('reports nothing in noise alone, in too short a series, or in non-positive values', () => {
    expect(changePoints(noisy([[1_000_000, 40]], 0.05, 2))).toEqual([]);
    expect(changePoints([1, 2, 3])).toEqual([]);
    expect(changePoints([1, 0, 1, 1, 2, 2, 2, 2])).toEqual([]);
  });

  it('drops steps below minChange', () => {
    const v = noisy(
      [
        [100, 10],
        [101, 10],
      ],
      0.0,
      3,
    );
    expect(changePoints(v, { minChange: 0.02 })).toEqual([]);
    expect(changePoints(v, { minChange: 0.001 }).map((c) => c.index)).toEqual([10]);
  });
});

const PINNED = [1.096731214930978, 0.9138673618249972];

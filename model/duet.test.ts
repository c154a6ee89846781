// Pairing of duet rows: by runtime × variant × metric and iteration, only pairs with
// both total samples correct, phases and untagged rows ignored.

import { describe, expect, it } from 'vitest';
import { pairDuet } from './duet.js';
import type { SampleRow } from './results/schema.js';

const row = (side: string | null, iteration: number, value: number, over: Partial<SampleRow> = {}): SampleRow => ({
  type: 'sample',
  workload: side === 'baseline' ? 'old' : 'new',
  variant: 'wasm',
  runtime: 'wasm',
  mode: 'cold',
  phase: 'total',
  metric: 'cold_start_ns',
  value,
  ok: true,
  iteration,
  ...(side ? { tags: { side } } : {}),
  ...over,
});

describe('pairDuet', () => {
  it('pairs by iteration whatever the order the sides were written in', () => {
    const s = pairDuet([
      row('candidate', 0, 11),
      row('baseline', 0, 10),
      row('baseline', 1, 20),
      row('candidate', 1, 22),
      row('baseline', 2, 30, { phase: 'instantiate' }),
      row(null, 2, 99),
    ]);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({
      baseline: [10, 20],
      candidate: [11, 22],
      workloads: { baseline: 'old', candidate: 'new' },
      brokenPairs: 0,
      measured: { baseline: 2, candidate: 2 },
    });
  });

  it('drops a pair with a failed or missing side and counts it', () => {
    const s = pairDuet([
      row('baseline', 0, 10),
      row('candidate', 0, 11, { ok: false }),
      row('baseline', 1, 20),
      row('candidate', 1, 21),
      row('baseline', 2, 30),
    ]);
    expect(s[0]).toMatchObject({
      baseline: [20],
      candidate: [21],
      brokenPairs: 2,
      failed: { baseline: 0, candidate: 1 },
    });
  });

  it('keeps runtimes and metrics apart', () => {
    const s = pairDuet([
      row('baseline', 0, 1),
      row('candidate', 0, 2),
      row('baseline', 0, 3, { runtime: 'lambda' }),
      row('candidate', 0, 4, { runtime: 'lambda' }),
      row('baseline', 0, 5, { metric: 'app_cold_start_ns' }),
      row('candidate', 0, 6, { metric: 'app_cold_start_ns' }),
    ]);
    expect(s.map((x) => [x.runtime, x.metric, x.baseline[0], x.candidate[0]])).toEqual([
      ['wasm', 'cold_start_ns', 1, 2],
      ['lambda', 'cold_start_ns', 3, 4],
      ['wasm', 'app_cold_start_ns', 5, 6],
    ]);
  });

  it('finds nothing in an ordinary run', () => {
    expect(pairDuet([row(null, 0, 1), row(null, 1, 2)])).toEqual([]);
  });
});

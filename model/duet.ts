// Duet results: a baseline and a candidate measured interleaved in one run. The side
// is a tag of every sample row (`side: baseline|candidate`), so reports and compare
// see two ordinary series; only the duet gate pairs them, here: the rows of one
// runtime × variant × metric with the same iteration were taken back to back, and a
// pair counts when both of its total samples are correct. Pure.

import type { SampleRow } from './results/schema.js';

export const DUET_TAG = 'side';
export const DUET_SIDES = ['baseline', 'candidate'] as const;
export type DuetSide = (typeof DUET_SIDES)[number];

export interface DuetSeries {
  runtime: string;
  variant: string;
  mode: string;
  metric: string;
  /** Workload names of the two sides (equal when the same workload runs on both). */
  workloads: Record<DuetSide, string>;
  /** Correct pairs, in iteration order: baseline[i] and candidate[i] were measured together. */
  baseline: number[];
  candidate: number[];
  /** Total samples measured per side, correct or not, and pairs lost to a failed side. */
  measured: Record<DuetSide, number>;
  failed: Record<DuetSide, number>;
  brokenPairs: number;
}

export const duetSideOf = (s: Pick<SampleRow, 'tags'>): DuetSide | null => {
  const v = s.tags?.[DUET_TAG];
  return v === 'baseline' || v === 'candidate' ? v : null;
};

/** Key of a duet series: what both sides share. */
export const duetSeriesId = (s: Pick<SampleRow, 'runtime' | 'variant' | 'mode' | 'metric'>): string =>
  [s.runtime, s.variant, s.mode, s.metric].join('\u0000');

/** The duet series in `samples` (phase 'total' rows tagged with a side), in first-seen order. */
export function pairDuet(samples: Iterable<SampleRow>): DuetSeries[] {
  interface Acc {
    series: DuetSeries;
    rows: Map<number, Partial<Record<DuetSide, SampleRow>>>;
  }
  const acc = new Map<string, Acc>();
  for (const s of samples) {
    if (s.phase !== 'total') continue;
    const side = duetSideOf(s);
    if (!side || s.iteration === undefined) continue;
    const id = duetSeriesId(s);
    let a = acc.get(id);
    if (!a) {
      a = {
        series: {
          runtime: s.runtime,
          variant: s.variant,
          mode: s.mode,
          metric: s.metric,
          workloads: { baseline: '', candidate: '' },
          baseline: [],
          candidate: [],
          measured: { baseline: 0, candidate: 0 },
          failed: { baseline: 0, candidate: 0 },
          brokenPairs: 0,
        },
        rows: new Map(),
      };
      acc.set(id, a);
    }
    a.series.workloads[side] ||= s.workload;
    a.series.measured[side]++;
    if (!s.ok) a.series.failed[side]++;
    let pair = a.rows.get(s.iteration);
    if (!pair) a.rows.set(s.iteration, (pair = {}));
    pair[side] = s;
  }
  const out: DuetSeries[] = [];
  for (const { series, rows } of acc.values()) {
    for (const it of [...rows.keys()].sort((x, y) => x - y)) {
      const p = rows.get(it)!;
      if (p.baseline?.ok && p.candidate?.ok) {
        series.baseline.push(p.baseline.value);
        series.candidate.push(p.candidate.value);
      } else series.brokenPairs++;
    }
    out.push(series);
  }
  return out;
}

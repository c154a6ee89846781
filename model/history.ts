// Results history: one point per run and series (its median and p99 over the run's
// correct samples), kept across commits by harness/history/ (SQLite) and drawn by
// reports/history.ts. Here: the shapes, the points of a run, and each series' trend
// with its change points (model/stats/changepoint.ts). Pure.

import type { RunResults } from './results/reader.js';
import { groupSeries, type SeriesKey } from './summary.js';
import { quantile } from './stats/descriptive.js';
import { changePoints, type ChangePoint } from './stats/changepoint.js';

export interface HistoryPoint {
  runId: string;
  commit: string;
  dirty: boolean;
  startedAt: string;
  n: number;
  failed: number;
  median: number;
  p99: number;
}

export interface HistorySeries extends SeriesKey {
  machine: string;
  /** Oldest first. */
  points: HistoryPoint[];
}

/** The series a run contributes: phase 'total' series with at least one correct sample. */
export function runPoints(
  run: RunResults,
): Array<{ key: SeriesKey; point: Omit<HistoryPoint, 'runId' | 'commit' | 'dirty' | 'startedAt'> }> {
  const out = [];
  for (const s of groupSeries(run.samples.filter((x) => x.phase === 'total')).values()) {
    if (s.values.length === 0) continue;
    const { values, failed, ...key } = s;
    out.push({ key, point: { n: values.length, failed, median: quantile(values, 0.5), p99: quantile(values, 0.99) } });
  }
  return out;
}

export const seriesLabel = (k: SeriesKey): string =>
  `${k.runtime}/${k.workload}/${k.variant} ${k.mode} ${k.metric}${k.tags ? ` {${k.tags}}` : ''}`;

export interface Trend {
  series: HistorySeries;
  changes: ChangePoint[];
  /** Last point against the one before it, and against the first (NaN with too few points). */
  lastStep: number;
  sinceFirst: number;
}

/** Change points of each series' medians over its points, and the latest movements. */
export function trends(series: HistorySeries[]): Trend[] {
  return series.map((s) => {
    const m = s.points.map((p) => p.median);
    return {
      series: s,
      changes: changePoints(m),
      lastStep: m.length >= 2 ? m[m.length - 1]! / m[m.length - 2]! : NaN,
      sinceFirst: m.length >= 2 ? m[m.length - 1]! / m[0]! : NaN,
    };
  });
}

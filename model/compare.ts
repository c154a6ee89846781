// Two sets of runs compared series by series: B against A as the ratio of a quantile
// with a seeded-bootstrap interval and a verdict; a series that cannot be judged (no
// correct samples on a side, a zero baseline, an unbounded interval) says "cannot
// decide" and why. Pure; the text helpers escape what came from the files.

import { terminalText } from './escape.js';
import type { RunResults } from './results/reader.js';
import { compareSamples, type Comparison } from './stats/inference.js';
import { formatValue, groupSeries, seriesId, textTable, type Series, type SeriesKey } from './summary.js';

export interface SeriesComparison extends SeriesKey {
  a: Series;
  b: Series;
  comparison: Comparison;
}

export interface CompareOptions {
  seed: number;
  resamples: number;
  /** Quantile to compare (0.5 = median). */
  q?: number;
  /** Only series for which this is true. */
  filter?: (k: SeriesKey) => boolean;
}

/** Pure: every series present in both sets, compared B against A; one with no correct samples on a side cannot be decided. */
export function compareRuns(
  a: RunResults[],
  b: RunResults[],
  opts: CompareOptions,
): { compared: SeriesComparison[]; onlyA: Series[]; onlyB: Series[] } {
  const sa = groupSeries(a.flatMap((r) => r.samples));
  const sb = groupSeries(b.flatMap((r) => r.samples));
  // A series is in a file when it has rows there, correct or not.
  const keep = (s: Series) => s.values.length + s.failed > 0 && (opts.filter?.(s) ?? true);
  const compared: SeriesComparison[] = [];
  const onlyA: Series[] = [];
  for (const [id, x] of sa) {
    if (!keep(x)) continue;
    const y = sb.get(id);
    if (!y || !keep(y)) {
      onlyA.push(x);
      continue;
    }
    let comparison = compareSamples(x.values, y.values, {
      seed: opts.seed,
      resamples: opts.resamples,
      q: opts.q ?? 0.5,
      metric: x.metric,
    });
    const empty = x.values.length === 0 ? (['A', x] as const) : y.values.length === 0 ? (['B', y] as const) : null;
    if (empty)
      comparison = { ...comparison, undecided: `no correct samples in ${empty[0]} (${empty[1].failed} failed)` };
    const { values: _v, failed: _f, ...key } = x;
    compared.push({ ...key, a: x, b: y, comparison });
  }
  const onlyB = [...sb.values()].filter((y) => keep(y) && !(sa.get(seriesId(y)) && keep(sa.get(seriesId(y))!)));
  const order = (p: SeriesKey, q: SeriesKey) =>
    p.workload.localeCompare(q.workload) ||
    p.runtime.localeCompare(q.runtime) ||
    p.variant.localeCompare(q.variant) ||
    p.metric.localeCompare(q.metric) ||
    (p.phase === 'total' ? -1 : q.phase === 'total' ? 1 : p.phase.localeCompare(q.phase)) ||
    p.tags.localeCompare(q.tags, 'en', { numeric: true });
  compared.sort(order);
  return { compared, onlyA: onlyA.sort(order), onlyB: onlyB.sort(order) };
}

/** The ratio with its interval; '—' when there is no finite one (cannot decide). */
export const formatRatio = (c: Comparison): string =>
  c.undecided !== null ? '—' : `${c.ratio.toFixed(3)} [${c.interval.lo.toFixed(3)}, ${c.interval.hi.toFixed(3)}]`;

const formatMedian = (v: number, metric: string) => (Number.isFinite(v) ? formatValue(v, metric) : '—');

export const seriesLabel = (k: SeriesKey) =>
  `${k.metric}${k.phase === 'total' ? '' : `.${k.phase}`}${k.tags ? ` {${k.tags}}` : ''}`;

export function compareTable(rows: SeriesComparison[]): string {
  return textTable(
    ['workload', 'runtime', 'variant', 'metric', 'n A', 'n B', 'median A', 'median B', 'B/A [95% CI]', 'verdict'],
    rows.map((r) => [
      r.workload,
      r.runtime,
      r.variant,
      seriesLabel(r),
      String(r.a.values.length),
      String(r.b.values.length),
      formatMedian(r.comparison.baseline, r.metric),
      formatMedian(r.comparison.candidate, r.metric),
      formatRatio(r.comparison),
      r.comparison.verdict,
    ]),
  );
}

/** One line per series that cannot be decided, with the reason (terminal-safe). */
export function undecidedLines(rows: SeriesComparison[]): string[] {
  return rows
    .filter((r) => r.comparison.undecided !== null)
    .map((r) =>
      terminalText(
        `cannot decide: ${r.workload} ${r.runtime}/${r.variant} ${seriesLabel(r)}: ${r.comparison.undecided}`,
      ),
    );
}

// Vega-Lite chart specs built from result series. Pure: the same specs feed the
// HTML report (rendered in the browser) and the SVG/PNG exports (rendered headless).
// Charts whose rows are absent (no throughput or density run) are simply not made.

import { quantileInPlace } from '../model/stats/inference.js';
import { median } from '../model/stats/descriptive.js';
import type { Series } from '../model/summary.js';

export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence saying how to read the chart. */
  caption: string;
  spec: Record<string, unknown>;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Points per series in an ECDF: enough for a smooth curve, independent of the sample count. */
const ECDF_POINTS = 200;

const label = (s: Series) => `${s.runtime} · ${s.variant}`;
const byWorkload = (series: Series[]) => {
  const m = new Map<string, Series[]>();
  for (const s of series) m.set(s.workload, [...(m.get(s.workload) ?? []), s]);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
};
const slug = (s: string) => s.replace(/[^a-zA-Z0-9_-]+/g, '-');
const tagsOf = (tags: string): Record<string, string> => Object.fromEntries(tags ? tags.split(',').map((kv) => kv.split('=') as [string, string]) : []);

/** ECDF of cold starts per workload (log scale), from evenly spaced quantiles of each series. */
function coldStartCharts(series: Series[]): ChartSpec[] {
  const cold = series.filter((s) => s.phase === 'total' && s.metric.endsWith('cold_start_ns') && s.values.length > 0);
  return byWorkload(cold).map(([w, list]) => {
    const values: { series: string; us: number; fraction: number }[] = [];
    for (const s of list) {
      const a = Float64Array.from(s.values);
      const points = Math.min(ECDF_POINTS, a.length);
      for (let i = 0; i < points; i++) {
        const fraction = points === 1 ? 1 : i / (points - 1);
        values.push({ series: `${label(s)} · ${s.metric.replace(/_ns$/, '')}`, us: Math.max(quantileInPlace(a, fraction), 1) / 1000, fraction });
      }
    }
    return {
      id: `cold-${slug(w)}`,
      title: `Cold start distribution — ${w}`,
      caption: 'Empirical CDF: the share of cold starts (y) completed within a time (x, log scale). Left is faster; a long right tail is a slow minority.',
      spec: {
        $schema: SCHEMA, width: 640, height: 300,
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'cold start, µs (log scale)' },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of samples', axis: { format: '%' } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 400 } },
        },
      },
    };
  });
}

/** Median of each phase per runtime × metric, as stacked bars. */
function phaseCharts(series: Series[]): ChartSpec[] {
  const parts = series.filter((s) => s.phase !== 'total' && s.values.length > 0 && s.metric.endsWith('_ns') && !s.tags);
  return byWorkload(parts).map(([w, list]) => {
    // Phases stack in the order the runtime reports them (first seen in the file), not alphabetically.
    const order = [...new Set(list.map((s) => s.phase))];
    return {
    id: `phases-${slug(w)}`,
    title: `Phase breakdown — ${w}`,
    caption: 'Median time of each phase the runtime reports, in order (medians do not add up exactly to the median total).',
    spec: {
      $schema: SCHEMA, width: 640,
      data: { values: list.map((s) => ({ series: `${label(s)} · ${s.metric.replace(/_ns$/, '')}`, phase: s.phase, step: order.indexOf(s.phase), us: median(s.values) / 1000 })) },
      mark: 'bar',
      encoding: {
        y: { field: 'series', type: 'nominal', title: null, axis: { labelLimit: 300 } },
        x: { field: 'us', type: 'quantitative', stack: 'zero', title: 'median µs' },
        color: { field: 'phase', type: 'nominal', title: 'phase', scale: { domain: order } },
        order: { field: 'step', type: 'quantitative' },
        tooltip: [{ field: 'series' }, { field: 'phase' }, { field: 'us', format: '.1f' }],
      },
    },
    };
  });
}

/** Latency percentiles against the offered request rate (open-loop throughput rows). */
function latencyCharts(series: Series[]): ChartSpec[] {
  const rows = series.filter((s) => s.metric.endsWith('latency_ns') && s.values.length > 0 && 'rate' in tagsOf(s.tags));
  return byWorkload(rows).map(([w, list]) => {
    const values: { series: string; rate: number; percentile: string; us: number }[] = [];
    for (const s of list) {
      const tags = tagsOf(s.tags);
      const rate = Number(tags['rate']);
      const pct = tags['percentile'];
      if (pct !== undefined) {
        // The mode already reduced each step's latencies to percentiles (one phase each); the maximum is too noisy to plot.
        if (pct === 'max') continue;
        values.push({ series: label(s), rate, percentile: pct.startsWith('p') ? pct : `p${pct}`, us: Math.max(median(s.values), 1) / 1000 });
      } else {
        const name = `${label(s)}${s.phase === 'total' ? '' : ` · ${s.phase}`}`;
        const a = Float64Array.from(s.values);
        for (const [p, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const) values.push({ series: name, rate, percentile: p, us: Math.max(quantileInPlace(a, q), 1) / 1000 });
      }
    }
    return {
      id: `latency-${slug(w)}`,
      title: `Latency vs offered rate — ${w}`,
      caption: 'Open-loop load (coordinated omission corrected): latency percentiles at each offered request rate; the knee is saturation.',
      spec: {
        $schema: SCHEMA, width: 640, height: 320,
        data: { values },
        // No point marks: with them the legend would draw dots instead of the dash patterns.
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'rate', type: 'quantitative', title: 'offered rate, requests/s' },
          y: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'latency, µs (log scale)' },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
          strokeDash: { field: 'percentile', type: 'nominal', title: 'percentile' },
          tooltip: [{ field: 'series' }, { field: 'rate' }, { field: 'percentile' }, { field: 'us', format: '.1f' }],
        },
      },
    };
  });
}

/** Bars of medians for rows picked by `pick`, one facet row per metric (independent scales). */
function barCharts(series: Series[], pick: (s: Series) => boolean, id: string, title: string, caption: string): ChartSpec[] {
  const rows = series.filter((s) => s.phase === 'total' && s.values.length > 0 && pick(s));
  return byWorkload(rows).map(([w, list]) => ({
    id: `${id}-${slug(w)}`,
    title: `${title} — ${w}`,
    caption,
    spec: {
      $schema: SCHEMA,
      data: { values: list.map((s) => ({ series: `${label(s)}${s.tags ? ` {${s.tags}}` : ''}`, runtime: s.runtime, metric: s.metric, value: median(s.values) })) },
      facet: { row: { field: 'metric', type: 'nominal', title: null } },
      spec: {
        width: 560,
        mark: 'bar',
        encoding: {
          y: { field: 'series', type: 'nominal', title: null, axis: { labelLimit: 300 } },
          x: { field: 'value', type: 'quantitative', title: 'median (unit in the metric name)' },
          color: { field: 'runtime', type: 'nominal', legend: null },
          tooltip: [{ field: 'series' }, { field: 'metric' }, { field: 'value', format: ',.0f' }],
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  }));
}

export function buildCharts(series: Series[]): ChartSpec[] {
  return [
    ...coldStartCharts(series),
    ...phaseCharts(series),
    ...barCharts(series, (s) => /_rps$|_per_s$/.test(s.metric), 'throughput', 'Throughput', 'Closed-loop maximum throughput per connection count (median over repetitions). Longer is better.'),
    ...latencyCharts(series),
    ...barCharts(series, (s) => s.mode === 'density' && !/idle/.test(s.metric), 'density', 'Density', 'Instances or apps per GiB and memory per instance (median). Read the unit in each metric name.'),
    ...barCharts(series, (s) => /idle/.test(s.metric), 'idle', 'Idle cost of warm pools', 'What keeping instances warm costs while they serve nothing (memory, CPU).'),
  ];
}

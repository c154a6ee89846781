// Vega-Lite chart specs built from result series. Pure: the same specs feed the
// HTML report (rendered in the browser) and the SVG/PNG exports (rendered headless).
// Charts whose rows are absent (no throughput or density run) are simply not made.
//
// Two kinds: the *answer* charts (one per workload and question: cold start,
// throughput, density; built from model/headline.ts, so they show exactly the
// like-for-like figures of the sentences) and the *detail* charts below them
// (distributions, phases, latency vs rate, every connection count and memory
// source). Rules every chart keeps:
// - colour is the runtime, from one palette keyed by runtime id (model/palette.ts),
//   with the same domain in every chart, so a runtime never changes colour;
// - axis labels in human units (µs/ms/s, req/s, instances/GiB) computed in the
//   chart (labelExpr), log scale where the values span 10× or more;
// - labels are words (model/labels.ts): no raw tag keys, no "{…}";
// - where several runtimes share a panel, clicking the legend filters (a vega-lite
//   point selection bound to the legend).

import type { Headline } from '../model/headline.js';
import { confidenceText, entryLabel } from '../model/headline.js';
import { metricText, sourceText } from '../model/labels.js';
import { median } from '../model/stats/descriptive.js';
import { quantileInPlace } from '../model/stats/inference.js';
import { formatValue, type Series } from '../model/summary.js';

export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence saying how to read the chart. */
  caption: string;
  workload: string;
  /** 'answer': the headline chart of one question; 'detail': the charts behind it. */
  group: 'answer' | 'detail';
  /** Short name of the detail tab it sits in ("Cold-start distribution"). */
  tab: string;
  spec: Record<string, unknown>;
}

export interface ChartOptions {
  headlines: Headline[];
  /** Runtime id → colour. */
  palette: Map<string, string>;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Points per series in an ECDF: enough for a smooth curve, independent of the sample count. */
const ECDF_POINTS = 200;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: {
    labelColor: '#3b4252',
    titleColor: '#3b4252',
    titleFontWeight: 'normal',
    gridColor: '#eceff4',
    domainColor: '#9aa1ad',
    tickColor: '#9aa1ad',
  },
  title: { anchor: 'start', fontSize: 14, fontWeight: 600, subtitleColor: '#5b6475', subtitleFontSize: 11, offset: 8 },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
  header: { labelFontSize: 12, labelFontWeight: 600, title: null },
};

const label = (s: { runtime: string; variant: string }) => entryLabel(s);
const byWorkload = (series: Series[]) => {
  const m = new Map<string, Series[]>();
  for (const s of series) m.set(s.workload, [...(m.get(s.workload) ?? []), s]);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
};
const slug = (s: string) => s.replace(/[^a-zA-Z0-9_-]+/g, '-');
const tagsOf = (tags: string): Record<string, string> =>
  Object.fromEntries(
    tags ? tags.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]) : [],
  );

type Unit = 'time' | 'rate' | 'density' | 'bytes' | 'plain';
const unitOf = (metric: string): Unit =>
  metric.endsWith('_ns')
    ? 'time'
    : /_rps$|_per_s$/.test(metric)
      ? 'rate'
      : /per_gib$/.test(metric)
        ? 'density'
        : metric.endsWith('_bytes')
          ? 'bytes'
          : 'plain';

/** A vega expression formatting `datum.value` (base units) in human units, for axis labels. */
function labelExpr(unit: Unit, v = 'datum.value'): string {
  switch (unit) {
    case 'time':
      return `${v} >= 1e9 ? format(${v} / 1e9, '~g') + ' s' : ${v} >= 1e6 ? format(${v} / 1e6, '~g') + ' ms' : ${v} >= 1e3 ? format(${v} / 1e3, '~g') + ' µs' : format(${v}, '~g') + ' ns'`;
    case 'rate':
      return `format(${v}, '~s') + ' req/s'`;
    case 'density':
      return `format(${v}, '~s') + '/GiB'`;
    case 'bytes':
      return `${v} >= 1073741824 ? format(${v} / 1073741824, '~g') + ' GiB' : ${v} >= 1048576 ? format(${v} / 1048576, '~g') + ' MiB' : format(${v} / 1024, '~g') + ' KiB'`;
    default:
      return `format(${v}, '~s')`;
  }
}

/**
 * The value axis of a bar chart: log when the values span 10× or more (and are all
 * positive), else linear from zero. Vega-Lite cannot start a bar at zero on a log
 * axis, so every row carries `base` (the axis' left end: the power of ten at or
 * below the smallest value) and the bar is drawn from `base` to `value`; on a log
 * axis the ticks are the powers of ten (plus 2× and 5× on a short range).
 */
function valueAxis(
  values: number[],
  unit: Unit,
  title: string,
): { log: boolean; base: number; x: Record<string, unknown> } {
  const positive = values.length > 0 && values.every((v) => v > 0);
  const log = positive && values.length > 1 && Math.max(...values) / Math.min(...values) >= 10;
  if (!log) {
    return {
      log,
      base: 0,
      x: {
        field: 'base',
        type: 'quantitative',
        title,
        scale: { zero: true },
        axis: { labelExpr: labelExpr(unit), tickCount: 5, labelOverlap: true },
      },
    };
  }
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  // About four labels whatever the span: every power of ten, or every other one on a long axis.
  const step = Math.max(1, Math.ceil((hi - lo) / 4));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += step)
    for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) if (m * 10 ** e <= 10 ** hi) ticks.push(m * 10 ** e);
  return {
    log,
    base: 10 ** lo,
    x: {
      field: 'base',
      type: 'quantitative',
      title: `${title} (log scale)`,
      scale: { type: 'log', domain: [10 ** lo, 10 ** hi], nice: false },
      axis: { labelExpr: labelExpr(unit), values: ticks, grid: true },
    },
  };
}

/** Log-axis ticks covering these values: 1, 2 and 5 × each power of ten. */
function decades(values: number[]): number[] {
  const pos = values.filter((v) => v > 0);
  if (!pos.length) return [];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(Math.min(...pos))); e <= Math.ceil(Math.log10(Math.max(...pos))); e++)
    out.push(10 ** e, 2 * 10 ** e, 5 * 10 ** e);
  return out;
}

/** The colour scale every chart uses: the same domain (every runtime of the report) and range. */
function colourScale(palette: Map<string, string>) {
  const domain = [...palette.keys()];
  return { domain, range: domain.map((r) => palette.get(r)!) };
}

const runtimeColour = (palette: Map<string, string>, legend: boolean) => ({
  field: 'runtime',
  type: 'nominal',
  title: 'runtime',
  scale: colourScale(palette),
  legend: legend ? { orient: 'top', direction: 'horizontal', symbolType: 'stroke', symbolStrokeWidth: 3 } : null,
});

/** Click a runtime in the legend to show it alone (shift-click for several); double-click resets. */
const LEGEND_FILTER = { name: 'pick', select: { type: 'point', fields: ['runtime'] }, bind: 'legend' };
const FILTERED_OPACITY = { condition: { param: 'pick', value: 1 }, value: 0.12 };

const QUESTION_AXIS: Record<string, string> = {
  cold: 'median cold start',
  throughput: 'median requests/s',
  density: 'instances per GiB',
};

/** The whiskers' confidence: 95%, or the range of levels when some figures have too few measurements for it (3 ramps: 75%). */
function whiskerLevel(entries: readonly Headline['entries'][number][]): string {
  const levels = entries.filter((e) => e.n > 1).map((e) => Math.min(0.95, e.ci.confidence));
  const lo = Math.min(...levels);
  return lo >= 0.95 ? '95%' : Math.max(...levels) === lo ? `${Math.floor(lo * 100)}%` : `${Math.floor(lo * 100)}–95%`;
}

/** One horizontal bar per runtime · variant, best first, with its interval and its figure in words. */
function answerChart(h: Headline, appCold: Headline | undefined, palette: Map<string, string>): ChartSpec {
  const rows = h.entries.map((e) => ({ e, app: false }));
  // One measurement everywhere: said once in the subtitle instead of on every bar.
  const allSingle = h.entries.every((e) => e.n <= 1) && (appCold?.entries ?? []).every((e) => e.n <= 1);
  if (appCold) rows.push(...appCold.entries.map((e) => ({ e, app: true })));
  const sign = h.better === 'higher' ? -1 : 1;
  rows.sort((a, b) => sign * (a.e.median - b.e.median));
  const values = rows.map(({ e, app }, i) => {
    const single = e.n <= 1;
    // Compact: the axis title carries the unit's long form ("instances per GiB").
    const words = [formatValue(e.median, e.metric).replace(/ (instances|apps)\/GiB$/, '/GiB')];
    if (h.question === 'throughput' && e.basis)
      words.push(e.basis.replace(/^at /, '').replace(/ connections?$/, ' conn.'));
    if (single && !allSingle) words.push('single measurement');
    else if (e.beatsReference) words.push('beats the reference');
    return {
      order: i,
      label: `${label(e)}${app ? ' · app' : ''}${h.question === 'density' && e.basis === 'as idle apps' ? ' · apps' : ''}`,
      runtime: e.runtime,
      value: e.median,
      lo: single ? e.median : Math.min(e.ci.lo, e.median),
      hi: single ? e.median : Math.max(e.ci.hi, e.median),
      text: words.join(' · '),
      app,
      ci: single
        ? 'single measurement: no interval'
        : `${formatValue(e.ci.lo, e.metric)} – ${formatValue(e.ci.hi, e.metric)} (${confidenceText(e.ci)}${e.ci.confidence < 0.95 ? `: all ${e.n}` : ''})`,
      n: e.n,
    };
  });
  const unit = unitOf(h.unitMetric);
  const { log, base, x } = valueAxis(
    [...values.map((v) => v.lo), ...values.map((v) => v.hi)],
    unit,
    QUESTION_AXIS[h.question] ?? metricText(h.unitMetric),
  );
  // Short lines: the subtitle sets the chart's width, and three charts share a row.
  const basis =
    h.question === 'cold'
      ? appCold
        ? '"· app": module not yet compiled'
        : 'new instance per request'
      : h.question === 'throughput'
        ? `closed loop, best of ${/over ([\d,]+(?:, [\d,]+)*) connections/.exec(h.basis)?.[1] ?? 'the swept'} conn.`
        : h.question === 'density'
          ? `memory source: ${sourceText(h.source)}, all runtimes`
          : h.basis;
  const subtitle = [
    `${h.better === 'lower' ? 'shorter' : 'longer'} is better${log ? ' · log scale' : ''}`,
    allSingle
      ? 'one measurement each: no intervals'
      : `whiskers: ${whiskerLevel(rows.map((r) => r.e))} CI of the median`,
    basis,
  ];
  for (const m of h.missing) subtitle.push(`not shown: ${label(m)}: ${m.reason}`);
  const rowsWithBase = values.map((v) => ({ ...v, base }));
  return {
    id: `answer-${h.question}-${slug(h.workload)}`,
    title: h.question === 'cold' ? 'Cold start' : h.title,
    caption: h.sentence,
    workload: h.workload,
    group: 'answer',
    tab: h.title,
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      width: 150,
      height: { step: 24 },
      title: { text: h.question === 'cold' ? 'Cold start' : h.title, subtitle },
      data: { values: rowsWithBase },
      encoding: {
        y: {
          field: 'label',
          type: 'nominal',
          sort: values.map((v) => v.label),
          title: null,
          axis: { labelLimit: 130, ticks: false, domain: false },
        },
      },
      layer: [
        {
          mark: { type: 'bar', height: { band: 0.72 }, cornerRadiusEnd: 2 },
          encoding: {
            x,
            x2: { field: 'value' },
            color: runtimeColour(palette, false),
            opacity: { condition: { test: 'datum.app', value: 0.45 }, value: 1 },
            tooltip: [
              { field: 'label', title: 'series' },
              { field: 'text', title: 'median' },
              { field: 'ci', title: 'interval' },
              { field: 'n', title: 'samples' },
            ],
          },
        },
        {
          mark: { type: 'rule', color: '#1d2330', strokeWidth: 1.2 },
          encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 5, fontSize: 11, color: '#1d2330' },
          encoding: { x: { field: 'hi', type: 'quantitative' }, text: { field: 'text' } },
        },
      ],
    },
  };
}

/** ECDF of cold starts per workload (log scale), from evenly spaced quantiles of each series. */
function coldStartCharts(series: Series[], palette: Map<string, string>): ChartSpec[] {
  const cold = series.filter((s) => s.phase === 'total' && s.metric.endsWith('cold_start_ns') && s.values.length > 0);
  return byWorkload(cold).map(([w, list]) => {
    const values: { series: string; runtime: string; measure: string; ns: number; fraction: number }[] = [];
    for (const s of list) {
      const a = Float64Array.from(s.values);
      const points = Math.min(ECDF_POINTS, a.length);
      const measure = s.metric === 'app_cold_start_ns' ? 'app (not compiled)' : 'new instance';
      for (let i = 0; i < points; i++) {
        const fraction = points === 1 ? 1 : i / (points - 1);
        values.push({
          series: `${label(s)} · ${measure}`,
          runtime: s.runtime,
          measure,
          ns: Math.max(quantileInPlace(a, fraction), 1),
          fraction,
        });
      }
    }
    return {
      id: `cold-${slug(w)}`,
      title: `Cold-start distribution — ${w}`,
      caption:
        'Empirical CDF: the share of cold starts (y) completed within a time (x, log scale). Left is faster; a long right tail is a slow minority. Click a runtime in the legend to show it alone.',
      workload: w,
      group: 'detail',
      tab: 'Cold-start distribution',
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        width: 640,
        height: 280,
        data: { values },
        params: [LEGEND_FILTER],
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: {
            ...valueAxis(
              values.map((v) => v.ns),
              'time',
              'cold start',
            ).x,
            field: 'ns',
          },
          y: { field: 'fraction', type: 'quantitative', title: 'share of cold starts', axis: { format: '%' } },
          color: runtimeColour(palette, true),
          strokeDash: {
            field: 'measure',
            type: 'nominal',
            title: 'measure',
            scale: {
              domain: ['new instance', 'app (not compiled)'],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
            legend: { orient: 'top' },
          },
          detail: { field: 'series' },
          opacity: FILTERED_OPACITY,
          tooltip: [
            { field: 'series', title: 'series' },
            { field: 'fraction', title: 'share', format: '.0%' },
            { field: 'ns', title: 'ns', format: ',.0f' },
          ],
        },
      },
    };
  });
}

const TABLEAU10 = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];
const REST = 'not in a phase';

/** One bar segment per phase median, plus what the phases leave of the median total (medians do not add up exactly). */
function phaseRows(series: Series[], parts: Series[], order: string[]) {
  const groups = new Map<string, Series[]>();
  for (const s of parts)
    groups.set(`${s.runtime}\u0000${s.variant}\u0000${s.metric}`, [
      ...(groups.get(`${s.runtime}\u0000${s.variant}\u0000${s.metric}`) ?? []),
      s,
    ]);
  const rows: { series: string; phase: string; step: number; ns: number; text: string }[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const total = series.find(
      (t) =>
        t.phase === 'total' &&
        t.runtime === first.runtime &&
        t.variant === first.variant &&
        t.metric === first.metric &&
        t.workload === first.workload &&
        !t.tags &&
        t.values.length > 0,
    );
    const name = `${label(first)}${first.metric === 'app_cold_start_ns' ? ' · app' : ''}`;
    const totalNs = total ? median(total.values) : 0;
    const series_ = total ? `${name} (${formatValue(totalNs, first.metric)})` : name;
    let sum = 0;
    for (const s of list) {
      const ns = median(s.values);
      sum += ns;
      rows.push({ series: series_, phase: s.phase, step: order.indexOf(s.phase), ns, text: formatValue(ns, s.metric) });
    }
    if (totalNs > sum)
      rows.push({
        series: series_,
        phase: REST,
        step: order.length,
        ns: totalNs - sum,
        text: formatValue(totalNs - sum, first.metric),
      });
  }
  return rows;
}

/** Median of each phase per runtime × metric, as stacked bars. */
function phaseCharts(series: Series[]): ChartSpec[] {
  const parts = series.filter(
    (s) => s.phase !== 'total' && s.values.length > 0 && s.metric.endsWith('cold_start_ns') && !s.tags,
  );
  return byWorkload(parts).map(([w, list]) => {
    // Phases stack in the order the runtime reports them (first seen in the file), not alphabetically.
    const order = [...new Set(list.map((s) => s.phase))];
    return {
      id: `phases-${slug(w)}`,
      title: `Cold-start phases — ${w}`,
      caption:
        'Where each runtime spends its cold start: the median of each phase it reports, as a share of its median total (runtimes differ by orders of magnitude, so each bar is its own 100%; the total is in the label). Grey: time no reported phase covers. Colours here are phases, not runtimes.',
      workload: w,
      group: 'detail',
      tab: 'Phases',
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        width: 480,
        height: { step: 24 },
        data: { values: phaseRows(series, list, order) },
        mark: 'bar',
        encoding: {
          y: { field: 'series', type: 'nominal', title: null, axis: { labelLimit: 300 } },
          x: {
            field: 'ns',
            type: 'quantitative',
            stack: 'normalize',
            title: 'share of the median cold start',
            axis: { format: '%' },
          },
          color: {
            field: 'phase',
            type: 'nominal',
            title: 'phase',
            scale: {
              domain: [...order, REST],
              range: [...order.map((_, i) => TABLEAU10[i % TABLEAU10.length]!), '#d0d4dc'],
            },
            legend: { orient: 'top' },
          },
          order: { field: 'step', type: 'quantitative' },
          tooltip: [{ field: 'series', title: 'series' }, { field: 'phase' }, { field: 'text', title: 'median' }],
        },
      },
    };
  });
}

/** Latency percentiles against the offered request rate (open-loop rows): one panel per runtime · variant. */
function latencyCharts(series: Series[], palette: Map<string, string>): ChartSpec[] {
  const rows = series.filter(
    (s) => s.metric === 'latency_ns' && 'rate' in tagsOf(s.tags) && (s.values.length > 0 || s.failed > 0),
  );
  return byWorkload(rows).map(([w, list]) => {
    const values: {
      panel: string;
      runtime: string;
      rate: number;
      percentile: string;
      ns: number | null;
      failed: boolean;
      text: string;
    }[] = [];
    for (const s of list) {
      const tags = tagsOf(s.tags);
      const rate = Number(tags['rate']);
      const pct = tags['percentile'];
      const panel = label(s);
      if (s.values.length === 0) {
        // Every sample of this step failed: mark the rate, no latency to draw.
        if (pct === 'p99' || pct === undefined)
          values.push({
            panel,
            runtime: s.runtime,
            rate,
            percentile: 'failed',
            ns: null,
            failed: true,
            text: 'step failed',
          });
        continue;
      }
      if (pct !== undefined) {
        // The mode already reduced each step's latencies to percentiles (one phase each); the maximum is too noisy to plot.
        if (pct === 'max') continue;
        const p = pct.startsWith('p') ? pct : `p${pct}`;
        const ns = Math.max(median(s.values), 1);
        values.push({
          panel,
          runtime: s.runtime,
          rate,
          percentile: p,
          ns,
          failed: s.failed > 0,
          text: formatValue(ns, 'latency_ns'),
        });
      } else {
        const a = Float64Array.from(s.values);
        for (const [p, q] of [
          ['p50', 0.5],
          ['p90', 0.9],
          ['p99', 0.99],
        ] as const) {
          const ns = Math.max(quantileInPlace(a, q), 1);
          values.push({
            panel,
            runtime: s.runtime,
            rate,
            percentile: p,
            ns,
            failed: s.failed > 0,
            text: formatValue(ns, 'latency_ns'),
          });
        }
      }
    }
    const panels = new Set(values.map((v) => v.panel)).size;
    return {
      id: `latency-${slug(w)}`,
      title: `Latency vs offered rate — ${w}`,
      caption:
        'Open-loop load (coordinated omission corrected), one panel per runtime with its own axes: p50 (solid) and p99 (dashed) latency at each offered rate; the knee is saturation. Red crosses: steps with failed requests. Tick the box below for p90 (dotted) and p99.9 (fine dots).',
      workload: w,
      group: 'detail',
      tab: 'Latency vs rate',
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        data: { values },
        params: [
          { name: 'allPercentiles', value: false, bind: { input: 'checkbox', name: 'show p90 and p99.9 too ' } },
        ],
        facet: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(values.map((v) => v.panel))] },
        columns: Math.min(3, panels),
        spec: {
          width: 190,
          height: 140,
          layer: [
            {
              transform: [
                {
                  filter:
                    "datum.ns != null && (allPercentiles || datum.percentile == 'p50' || datum.percentile == 'p99')",
                },
              ],
              mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
              encoding: {
                x: {
                  field: 'rate',
                  type: 'quantitative',
                  title: 'offered req/s',
                  axis: { labelExpr: `format(datum.value, '~s')`, tickCount: 4 },
                },
                y: {
                  field: 'ns',
                  type: 'quantitative',
                  scale: { type: 'log' },
                  title: 'latency (log)',
                  axis: {
                    labelExpr: labelExpr('time'),
                    values: decades(values.flatMap((v) => (v.ns === null ? [] : [v.ns]))),
                    labelOverlap: true,
                  },
                },
                color: runtimeColour(palette, false),
                // No legend (its symbols would be the points, not the dashes): the caption says which is which.
                strokeDash: {
                  field: 'percentile',
                  type: 'nominal',
                  title: 'percentile',
                  scale: {
                    domain: ['p50', 'p90', 'p99', 'p99.9'],
                    range: [
                      [1, 0],
                      [2, 2],
                      [6, 3],
                      [1, 3],
                    ],
                  },
                  legend: null,
                },
                detail: { field: 'percentile' },
                tooltip: [
                  { field: 'panel', title: 'series' },
                  { field: 'rate', title: 'offered req/s', format: ',.0f' },
                  { field: 'percentile' },
                  { field: 'text', title: 'latency' },
                ],
              },
            },
            ...(values.some((v) => v.failed)
              ? [
                  {
                    transform: [
                      { filter: 'datum.failed' },
                      { aggregate: [{ op: 'count', as: 'n' }], groupby: ['rate', 'panel'] },
                    ],
                    mark: { type: 'point', shape: 'cross', color: '#b3261e', size: 90, filled: true, angle: 45, y: 6 },
                    encoding: {
                      x: { field: 'rate', type: 'quantitative' },
                      tooltip: [{ field: 'rate', title: 'failed step at req/s', format: ',.0f' }],
                    },
                  },
                ]
              : []),
          ],
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
    };
  });
}

/** Closed-loop throughput at every swept connection count (the answer chart shows each runtime's best). */
function throughputCharts(series: Series[], palette: Map<string, string>): ChartSpec[] {
  const rows = series.filter(
    (s) =>
      s.phase === 'total' && s.metric === 'throughput_rps' && 'connections' in tagsOf(s.tags) && s.values.length > 0,
  );
  return byWorkload(rows).map(([w, list]) => {
    const values = list
      .map((s) => {
        const c = Number(tagsOf(s.tags)['connections']);
        const v = median(s.values);
        const conn = `${c.toLocaleString('en-US')} conn.`;
        return {
          label: label(s),
          runtime: s.runtime,
          connections: conn,
          c,
          value: v,
          text: `${conn}: ${formatValue(v, s.metric)}${s.values.length === 1 ? ' (single measurement)' : ''}`,
        };
      })
      .sort((a, b) => a.label.localeCompare(b.label) || a.c - b.c);
    const { log, base, x } = valueAxis(
      values.map((v) => v.value),
      'rate',
      'median requests/s',
    );
    return {
      id: `throughput-${slug(w)}`,
      title: `Throughput per connection count — ${w}`,
      caption: `Closed loop: median requests/s at each connection count${log ? ' (log scale)' : ''}. Longer is better; the answer above takes each runtime's best count.`,
      workload: w,
      group: 'detail',
      tab: 'Throughput by connections',
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        width: 420,
        height: { step: 16 },
        data: { values: values.map((v) => ({ ...v, base })) },
        encoding: {
          y: { field: 'label', type: 'nominal', title: null, axis: { labelLimit: 220 } },
          yOffset: {
            field: 'connections',
            type: 'nominal',
            sort: [...new Set(values.sort((a, b) => a.c - b.c).map((v) => v.connections))],
          },
        },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.9 } },
            encoding: {
              x,
              x2: { field: 'value' },
              color: runtimeColour(palette, false),
              opacity: { field: 'c', type: 'ordinal', legend: null, scale: { range: [0.55, 1] } },
              tooltip: [
                { field: 'label', title: 'series' },
                { field: 'connections' },
                { field: 'text', title: 'median' },
              ],
            },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 10 },
            encoding: { x: { field: 'value', type: 'quantitative' }, text: { field: 'text' } },
          },
        ],
      },
    };
  });
}

/** Density by every memory source, one source at a time (a menu; the headline's source first). */
function densityCharts(series: Series[], palette: Map<string, string>, headlines: Headline[]): ChartSpec[] {
  const rows = series.filter(
    (s) => s.phase === 'total' && /^(instances|apps)_per_gib$/.test(s.metric) && s.values.length > 0,
  );
  return byWorkload(rows).map(([w, list]) => {
    const values = list.map((s) => {
      const t = tagsOf(s.tags);
      const v = median(s.values);
      return {
        label: `${label(s)}${t['view'] === 'apps' ? ' · apps' : ''}`,
        runtime: s.runtime,
        source: sourceText(t['source'] ?? '?'),
        value: v,
        text: `${formatValue(v, s.metric)}${s.values.length === 1 ? ' · single measurement' : ''}`,
      };
    });
    const sources = [...new Set(values.map((v) => v.source))];
    const headSource = headlines.find((h) => h.workload === w && h.question === 'density')?.source;
    const first = headSource ? sourceText(headSource) : sources[0]!;
    sources.sort((a, b) => (a === first ? -1 : b === first ? 1 : a.localeCompare(b)));
    // One axis for every source, so switching sources shows the differences between them too.
    const { base, x } = valueAxis(
      values.map((v) => v.value),
      'density',
      'per GiB',
    );
    return {
      id: `density-${slug(w)}`,
      title: `Density by memory source — ${w}`,
      caption:
        'Instances (or idle apps) per GiB, log scale, by the memory source chosen in the menu (the headline uses one source for every runtime). Host MemAvailable is noisy on a shared machine.',
      workload: w,
      group: 'detail',
      tab: 'Memory sources',
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        width: 420,
        height: { step: 24 },
        data: { values: values.map((v) => ({ ...v, base })) },
        params: [{ name: 'source', value: first, bind: { input: 'select', options: sources, name: 'memory source ' } }],
        transform: [{ filter: 'datum.source == source' }],
        encoding: {
          y: {
            field: 'label',
            type: 'nominal',
            title: null,
            sort: { field: 'value', op: 'max', order: 'descending' },
            axis: { labelLimit: 220 },
          },
        },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.72 } },
            encoding: {
              x,
              x2: { field: 'value' },
              color: runtimeColour(palette, false),
              tooltip: [{ field: 'label', title: 'series' }, { field: 'source' }, { field: 'text', title: 'median' }],
            },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, fontSize: 11 },
            encoding: { x: { field: 'value', type: 'quantitative' }, text: { field: 'text' } },
          },
        ],
      },
    };
  });
}

/** What keeping pooled instances warm costs, per metric (memory, CPU). */
function idleCharts(series: Series[], palette: Map<string, string>): ChartSpec[] {
  const rows = series.filter((s) => s.phase === 'total' && s.values.length > 0 && /idle/.test(s.metric));
  return byWorkload(rows).map(([w, list]) => ({
    id: `idle-${slug(w)}`,
    title: `Idle cost of warm pools — ${w}`,
    caption: 'What keeping instances warm costs while they serve nothing, per measure (median).',
    workload: w,
    group: 'detail',
    tab: 'Idle cost',
    spec: {
      $schema: SCHEMA,
      config: CONFIG,
      data: {
        values: list.map((s) => ({
          label: label(s),
          runtime: s.runtime,
          measure: metricText(s.metric),
          value: median(s.values),
          text: formatValue(median(s.values), s.metric),
        })),
      },
      facet: { row: { field: 'measure', type: 'nominal', title: null } },
      spec: {
        width: 420,
        height: { step: 24 },
        encoding: { y: { field: 'label', type: 'nominal', title: null, axis: { labelLimit: 220 } } },
        layer: [
          {
            mark: 'bar',
            encoding: {
              x: { field: 'value', type: 'quantitative', title: null, axis: null },
              color: runtimeColour(palette, false),
              tooltip: [{ field: 'label', title: 'series' }, { field: 'measure' }, { field: 'text', title: 'median' }],
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
            encoding: { x: { field: 'value', type: 'quantitative' }, text: { field: 'text' } },
          },
        ],
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  }));
}

export function buildCharts(series: Series[], opts: ChartOptions): ChartSpec[] {
  const { palette, headlines } = opts;
  const answers: ChartSpec[] = [];
  for (const w of [...new Set(headlines.map((h) => h.workload))]) {
    const of = (q: Headline['question']) => headlines.find((h) => h.workload === w && h.question === q);
    const cold = of('cold') ?? of('appCold');
    if (cold) answers.push(answerChart(cold, cold.question === 'cold' ? of('appCold') : undefined, palette));
    for (const q of ['throughput', 'density'] as const) {
      const h = of(q);
      if (h) answers.push(answerChart(h, undefined, palette));
    }
  }
  return [
    ...answers,
    ...coldStartCharts(series, palette),
    ...phaseCharts(series),
    ...latencyCharts(series, palette),
    ...throughputCharts(series, palette),
    ...densityCharts(series, palette, headlines),
    ...idleCharts(series, palette),
  ];
}

// The report's content, computed once from result rows and shared by every output
// (HTML, Markdown, CSV, chart images): the headline per workload and question
// (model/headline.ts: like-for-like figures, ratios in words), every series'
// summary, statistics warnings, the charts and the runtime colours. Pure.

import type { RunResults } from '../model/results/reader.js';
import type { EventRow, HeaderRow } from '../model/results/schema.js';
import { summarize, type Summary } from '../model/stats/descriptive.js';
import { comparisonText, isDefaultSeries, workloadHeadlines, type Headline, type Question } from '../model/headline.js';
import { measureTagsOf, metricText, seriesLegend, seriesTagsOf, seriesText, tagsText } from '../model/labels.js';
import { runtimePalette } from '../model/palette.js';
import { medianCI, type Comparison, type Interval } from '../model/stats/inference.js';
import { sampleWarnings, type StatWarning } from '../model/stats/warnings.js';
import { groupSeries, type SeriesKey } from '../model/summary.js';
import { buildCharts, type ChartSpec } from './charts.js';
import { traceCharts } from './trace.js';

export const REFERENCE_RUNTIME = 'wasm';

export interface HeadlineCell {
  metric: string;
  tags: string;
  n: number;
  median: number;
  ci: Interval;
  /** What the figure was measured at, in words ("at 64 connections"); '' when nothing to say. */
  basis: string;
  /** Against the reference runtime's same measure; null for the reference itself or when it is absent. */
  vsReference: Comparison | null;
  /** The same comparison in words, from this runtime's side ("84–170× slower than wasm · wasm"). */
  vsReferenceText: string;
  beatsReference: boolean;
}

export type HeadlineKind = Question;

/** The headline columns, in order (the picking rules are in model/headline.ts). */
export const HEADLINES: { kind: HeadlineKind; title: string }[] = [
  { kind: 'cold', title: 'cold start (median)' },
  { kind: 'appCold', title: 'app cold start (median)' },
  { kind: 'throughput', title: 'throughput (best connection count)' },
  { kind: 'density', title: 'density (one memory source)' },
];

export interface WorkloadRow {
  runtime: string;
  variant: string;
  /** The series' tags (preinit=…,reuse=…; '' for a runtime without series) and their short words ("wizer, reuse 128"). */
  series: string;
  seriesText: string;
  cells: Partial<Record<HeadlineKind, HeadlineCell>>;
}

export interface WorkloadTable {
  workload: string;
  /** Headline columns that have data in this workload. */
  kinds: HeadlineKind[];
  rows: WorkloadRow[];
  /** One sentence per question, written from the figures. */
  answers: string[];
  /** The headlines (one per question) the rows and answers come from. */
  headlines: Headline[];
  /** What the series' short words mean ("wizer: pre-initialised by Wizer"), one each; empty without series. */
  seriesLegend: string[];
}

export interface SeriesSummary extends Summary, SeriesKey {
  failed: number;
  medianCi: Interval;
}

export interface SeriesWarning extends Omit<StatWarning, 'kind'> {
  kind: StatWarning['kind'] | 'failed-samples';
  series: string;
}

export interface ReportModel {
  title: string;
  generatedBy: string[];
  files: string[];
  headers: (HeaderRow & { file: string; status: string; samples: number })[];
  reference: string;
  tables: WorkloadTable[];
  summaries: SeriesSummary[];
  warnings: SeriesWarning[];
  events: EventRow[];
  readWarnings: string[];
  charts: ChartSpec[];
  /** Runtime id → colour, the same in every chart (model/palette.ts). */
  palette: Record<string, string>;
  sampleCount: number;
}

export interface ModelOptions {
  title?: string;
  /** The command that made the report (argv), shown under the run's own command. */
  command?: string[];
  seed?: number;
  resamples?: number;
  reference?: string;
  readWarnings?: string[];
}

/** A series as a warning names it, in words: "wasm/hello/wasm [wizer, reuse 128] · throughput · 64 connections". */
export const seriesName = (s: {
  runtime: string;
  workload: string;
  variant: string;
  metric: string;
  phase: string;
  tags: string;
}): string => {
  const series = seriesText(s.tags);
  return [
    `${s.runtime}/${s.workload}/${s.variant}${series ? ` [${series}]` : ''}`,
    metricText(s.metric),
    s.phase === 'total' ? '' : s.phase,
    tagsText(measureTagsOf(s.tags)),
  ]
    .filter(Boolean)
    .join(' · ');
};

/**
 * "raise --iterations" is the way to more samples of a cold start, not of the modes
 * whose samples are repetitions of a whole measurement: the hint names what applies.
 */
export function moreSamplesHint(mode: string): string {
  if (mode === 'density') return 'raise --density-repeats (full ramps per runtime)';
  if (mode === 'throughput') return 'raise --throughput-repeats (closed-loop steps per connection count)';
  return 'raise --iterations';
}

export function buildReportModel(runs: (RunResults & { file?: string })[], opts: ModelOptions = {}): ReportModel {
  const reference = opts.reference ?? REFERENCE_RUNTIME;
  const seed = opts.seed ?? 1;
  const resamples = opts.resamples ?? 1000;
  const all = groupSeries(runs.flatMap((r) => r.samples));
  const series = [...all.values()];
  const withValues = series.filter((s) => s.values.length > 0);
  const summaries: SeriesSummary[] = [];
  for (const s of withValues) {
    const sum = summarize(s.values);
    const { values: _v, ...key } = s;
    summaries.push({ ...key, ...sum, medianCi: medianCI(s.values) });
  }
  summaries.sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      a.metric.localeCompare(b.metric) ||
      a.phase.localeCompare(b.phase) ||
      a.tags.localeCompare(b.tags, 'en', { numeric: true }) ||
      a.median - b.median,
  );

  const warnings: SeriesWarning[] = [];
  for (const s of withValues) {
    if (s.phase !== 'total') continue;
    // Throughput and density rows are already aggregates of a whole load run: few of them is normal.
    // A series' own tags (preinit/reuse) do not make its cold starts aggregates.
    const aggregate = s.mode === 'throughput' || s.mode === 'density' || measureTagsOf(s.tags) !== '';
    for (const w of sampleWarnings(s.values, {
      timed: s.metric.endsWith('_ns') && !aggregate,
      minSamples: aggregate ? 0 : 10,
      moreSamples: moreSamplesHint(s.mode),
    }))
      warnings.push({ ...w, series: seriesName(s) });
    if (s.failed > 0)
      warnings.push({
        series: seriesName(s),
        kind: 'failed-samples',
        message: `${s.failed} failed sample${s.failed === 1 ? '' : 's'} (not counted)`,
        hint: 'see the error column of the samples CSV: a failed check means the response differed from the manifest',
      });
  }

  const tables: WorkloadTable[] = [];
  const workloads = [...new Set(withValues.map((s) => s.workload))].sort();
  for (const workload of workloads) {
    const headlines = workloadHeadlines(workload, series, { reference, seed, resamples });
    const inW = withValues.filter((s) => s.workload === workload && s.phase === 'total');
    // One row per runtime · variant · series; the reference first, its default series first.
    const pairs = [
      ...new Map(
        inW.map((s) => {
          const series = seriesTagsOf(s.tags);
          return [`${s.runtime}\u0000${s.variant}\u0000${series}`, { runtime: s.runtime, variant: s.variant, series }];
        }),
      ).values(),
    ].sort(
      (a, b) =>
        // (Both rows of the reference runtime compare equal here: the next keys order them.)
        Number(a.runtime !== reference) - Number(b.runtime !== reference) ||
        a.runtime.localeCompare(b.runtime) ||
        // The reference runtime's own variant (wasm · wasm) first, as the headline picks it.
        (a.runtime === reference ? Number(a.variant !== reference) - Number(b.variant !== reference) : 0) ||
        a.variant.localeCompare(b.variant) ||
        Number(!isDefaultSeries(a.series)) - Number(!isDefaultSeries(b.series)) ||
        a.series.localeCompare(b.series, 'en', { numeric: true }),
    );
    const rows: WorkloadRow[] = pairs.map((p) => ({ ...p, seriesText: seriesText(p.series), cells: {} }));
    for (const h of headlines) {
      for (const e of h.entries) {
        const series = seriesTagsOf(e.tags);
        const row = rows.find((r) => r.runtime === e.runtime && r.variant === e.variant && r.series === series)!;
        row.cells[h.question] = {
          metric: e.metric,
          tags: e.tags,
          n: e.n,
          median: e.median,
          ci: e.ci,
          basis: e.basis,
          vsReference: e.vsReference,
          // Both sides one measurement: the cell already says "single measurement" above the ratio.
          vsReferenceText: h.reference
            ? comparisonText(h.question, e, h.reference, 'candidate', e.n <= 1 && h.reference.n <= 1)
            : '',
          beatsReference: e.beatsReference,
        };
      }
    }
    // Rows with no headline figure at all (only latency curves, say) stay out of the table.
    const shown = rows.filter((r) => Object.keys(r.cells).length > 0);
    tables.push({
      workload,
      kinds: headlines.map((h) => h.question),
      rows: shown,
      answers: headlines.map((h) => h.sentence),
      headlines,
      seriesLegend: seriesLegend(shown.map((r) => r.series)),
    });
  }

  const runtimes = [...new Set(series.map((s) => s.runtime))];
  const palette = runtimePalette(runtimes);
  return {
    title: opts.title ?? 'faasbench report',
    generatedBy: opts.command ?? [],
    files: runs.map((r) => r.file ?? '').filter((f, i, a) => f && a.indexOf(f) === i),
    headers: runs.map((r) => ({
      ...r.header,
      file: r.file ?? '',
      status: r.end?.status ?? 'incomplete (no end row)',
      samples: r.samples.length,
    })),
    reference,
    tables,
    summaries,
    warnings,
    events: runs.flatMap((r) => r.events),
    readWarnings: opts.readWarnings ?? runs.flatMap((r) => r.warnings),
    // The trace mode's Pareto charts (reports/trace.ts) join the workload's detail tabs.
    charts: [
      ...buildCharts(series, { headlines: tables.flatMap((t) => t.headlines), palette }),
      ...traceCharts(runs, palette),
    ],
    palette: Object.fromEntries(palette),
    sampleCount: runs.reduce((n, r) => n + r.samples.length, 0),
  };
}

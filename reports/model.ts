// The report's content, computed once from result rows and shared by every output
// (HTML, Markdown, CSV, chart images). Pure.

import type { RunResults } from '../model/results/reader.js';
import type { EventRow, HeaderRow } from '../model/results/schema.js';
import { summarize, type Summary } from '../model/stats/descriptive.js';
import { compareSamples, medianCI, type Comparison, type Interval } from '../model/stats/inference.js';
import { sampleWarnings, type StatWarning } from '../model/stats/warnings.js';
import { groupSeries, type Series, type SeriesKey } from '../model/summary.js';
import { buildCharts, type ChartSpec } from './charts.js';

export const REFERENCE_RUNTIME = 'wasm';

export interface HeadlineCell {
  metric: string;
  tags: string;
  n: number;
  median: number;
  ci: Interval;
  /** Against the reference runtime's same measure; null for the reference itself or when it is absent. */
  vsReference: Comparison | null;
}

export type HeadlineKind = 'cold' | 'appCold' | 'throughput' | 'density';

export const HEADLINES: { kind: HeadlineKind; title: string; pick: (s: Series) => boolean; prefer: string[]; preferTags?: RegExp[]; best: 'low' | 'high' }[] = [
  { kind: 'cold', title: 'cold start (median)', pick: (s) => s.metric === 'cold_start_ns', prefer: ['cold_start_ns'], best: 'low' },
  { kind: 'appCold', title: 'app cold start (median)', pick: (s) => s.metric === 'app_cold_start_ns', prefer: ['app_cold_start_ns'], best: 'low' },
  // Closed-loop maximum; the SLO-bound rate is a different question.
  { kind: 'throughput', title: 'throughput (max)', pick: (s) => /_rps$/.test(s.metric) && !/^slo_/.test(s.metric), prefer: ['max_throughput_rps', 'throughput_rps'], best: 'high' },
  // Live instances before idle apps; PSS (shared pages split fairly) before RSS, cgroup, host MemAvailable.
  {
    kind: 'density', title: 'density', pick: (s) => /per_gib/.test(s.metric), prefer: ['instances_per_gib', 'apps_per_gib'], best: 'high',
    preferTags: [/view=instances/, /source=pss/, /source=rss/, /source=cgroup/],
  },
];

export interface WorkloadRow {
  runtime: string;
  variant: string;
  cells: Partial<Record<HeadlineKind, HeadlineCell>>;
}

export interface WorkloadTable {
  workload: string;
  /** Headline columns that have data in this workload. */
  kinds: HeadlineKind[];
  rows: WorkloadRow[];
  /** One sentence per non-reference runtime: the answer to the question, with intervals. */
  answers: string[];
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

const seriesName = (s: { runtime: string; workload: string; variant: string; metric: string; phase: string; tags: string }) =>
  `${s.runtime}/${s.workload}/${s.variant} ${s.metric}${s.phase === 'total' ? '' : `.${s.phase}`}${s.tags ? ` {${s.tags}}` : ''}`;

/** Among candidate series of one runtime·variant, the one to headline: the preferred metric, then the best median. */
function headlineSeries(list: Series[], prefer: string[], preferTags: RegExp[], best: 'low' | 'high', medians: Map<Series, number>): Series | undefined {
  const rank = (s: Series) => (prefer.indexOf(s.metric) < 0 ? prefer.length : prefer.indexOf(s.metric));
  // Lexicographic over the tag preferences: matching an earlier one wins.
  const tagRank = (s: Series) => preferTags.reduce((r, re, i) => r + (re.test(s.tags) ? 0 : 2 ** (preferTags.length - i)), 0);
  return [...list].sort((a, b) =>
    rank(a) - rank(b) || a.metric.localeCompare(b.metric) || tagRank(a) - tagRank(b) ||
    (best === 'high' ? medians.get(b)! - medians.get(a)! : medians.get(a)! - medians.get(b)!))[0];
}

export function buildReportModel(runs: (RunResults & { file?: string })[], opts: ModelOptions = {}): ReportModel {
  const reference = opts.reference ?? REFERENCE_RUNTIME;
  const seed = opts.seed ?? 1;
  const resamples = opts.resamples ?? 1000;
  const all = groupSeries(runs.flatMap((r) => r.samples));
  const series = [...all.values()];
  const withValues = series.filter((s) => s.values.length > 0);
  const medians = new Map<Series, number>();
  const summaries: SeriesSummary[] = [];
  for (const s of withValues) {
    const sum = summarize(s.values);
    medians.set(s, sum.median);
    const { values: _v, ...key } = s;
    summaries.push({ ...key, ...sum, medianCi: medianCI(s.values) });
  }
  summaries.sort((a, b) => a.workload.localeCompare(b.workload) || a.metric.localeCompare(b.metric) || a.phase.localeCompare(b.phase) || a.tags.localeCompare(b.tags, 'en', { numeric: true }) || a.median - b.median);

  const warnings: SeriesWarning[] = [];
  for (const s of withValues) {
    if (s.phase !== 'total') continue;
    // Throughput and density rows are already aggregates of a whole load run: few of them is normal.
    const aggregate = s.mode === 'throughput' || s.mode === 'density' || s.tags !== '';
    for (const w of sampleWarnings(s.values, { timed: s.metric.endsWith('_ns') && !aggregate, minSamples: aggregate ? 0 : 10 })) warnings.push({ ...w, series: seriesName(s) });
    if (s.failed > 0) warnings.push({ series: seriesName(s), kind: 'failed-samples', message: `${s.failed} failed sample${s.failed === 1 ? '' : 's'} (not counted)`, hint: 'see the error column of the samples CSV: a failed check means the response differed from the manifest' });
  }

  const tables: WorkloadTable[] = [];
  const workloads = [...new Set(withValues.map((s) => s.workload))].sort();
  for (const workload of workloads) {
    const inW = withValues.filter((s) => s.workload === workload && s.phase === 'total');
    const pairs = [...new Map(inW.map((s) => [`${s.runtime}\u0000${s.variant}`, { runtime: s.runtime, variant: s.variant }])).values()].sort(
      (a, b) => (a.runtime === reference ? -1 : b.runtime === reference ? 1 : a.runtime.localeCompare(b.runtime)) || a.variant.localeCompare(b.variant),
    );
    const kinds: HeadlineKind[] = [];
    const rows: WorkloadRow[] = pairs.map((p) => ({ ...p, cells: {} }));
    for (const h of HEADLINES) {
      const chosen = new Map<WorkloadRow, Series>();
      for (const row of rows) {
        const s = headlineSeries(inW.filter((x) => x.runtime === row.runtime && x.variant === row.variant && h.pick(x)), h.prefer, h.preferTags ?? [], h.best, medians);
        if (s) chosen.set(row, s);
      }
      if (chosen.size === 0) continue;
      kinds.push(h.kind);
      // The reference: the reference runtime's own variant first (wasm · wasm).
      const refRow = rows.find((r) => r.runtime === reference && chosen.has(r) && r.variant === reference) ?? rows.find((r) => r.runtime === reference && chosen.has(r));
      const ref = refRow ? chosen.get(refRow)! : undefined;
      for (const [row, s] of chosen) {
        const vsReference = ref && row !== refRow && ref.metric === s.metric
          ? compareSamples(ref.values, s.values, { seed, resamples, metric: s.metric })
          : null;
        row.cells[h.kind] = { metric: s.metric, tags: s.tags, n: s.values.length, median: medians.get(s)!, ci: medianCI(s.values), vsReference };
      }
    }
    const answers: string[] = [];
    for (const row of rows) {
      if (row.runtime === reference) continue;
      const parts: string[] = [];
      for (const h of HEADLINES) {
        const c = row.cells[h.kind];
        if (!c?.vsReference) continue;
        const k = c.vsReference;
        const what = h.title.replace(/ \(.*\)$/, '');
        // No finite ratio: say why, never print NaN× or a verdict.
        if (k.undecided !== null) parts.push(`${what}: cannot decide against the reference (${k.undecided})`);
        else parts.push(`${what} ${k.ratio.toFixed(2)}× the reference (95% CI ${k.interval.lo.toFixed(2)}–${k.interval.hi.toFixed(2)}; ${k.verdict})`);
      }
      if (parts.length) answers.push(`${row.runtime} · ${row.variant}: ${parts.join('; ')}.`);
    }
    tables.push({ workload, kinds, rows, answers });
  }

  return {
    title: opts.title ?? 'faasbench report',
    generatedBy: opts.command ?? [],
    files: runs.map((r) => r.file ?? '').filter((f, i, a) => f && a.indexOf(f) === i),
    headers: runs.map((r) => ({ ...r.header, file: r.file ?? '', status: r.end?.status ?? 'incomplete (no end row)', samples: r.samples.length })),
    reference,
    tables,
    summaries,
    warnings,
    events: runs.flatMap((r) => r.events),
    readWarnings: opts.readWarnings ?? runs.flatMap((r) => r.warnings),
    charts: buildCharts(series),
    sampleCount: runs.reduce((n, r) => n + r.samples.length, 0),
  };
}

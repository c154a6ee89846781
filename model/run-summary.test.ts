// The end-of-run text: a short headline per question with the same like-for-like
// figures and words as the report, every series only with --verbose, error events
// escaped, colour only when asked for.
import { describe, expect, it } from 'vitest';
import { demoSeries, seriesDemo, syntheticSamples } from '../reports/synthetic.js';
import { hasTerminalControls } from './escape.js';
import { RUNTIME_COLOURS } from './palette.js';
import type { SampleRow } from './results/schema.js';
import { runSummaryText } from './run-summary.js';

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
const demo: SampleRow[] = demoSeries(0.3)
  .flatMap((s, i) => syntheticSamples(s, i + 1))
  .map((r) => ({ type: 'sample', ...r }));
const event = (level: 'info' | 'error', message: string) => ({ type: 'event' as const, level, message, at: 'now' });

describe('end-of-run summary', () => {
  it('headline by default: one block per question, reference first, comparisons in words, no series table', () => {
    const text = runSummaryText([{ samples: demo, events: [] }], { resamples: 200 });
    const lines = text.split('\n');
    expect(lines.filter((l) => /^hello · /.test(l))).toEqual([
      'hello · cold start, median (new instance per request)',
      'hello · app cold start, median (module not yet compiled)',
      'hello · throughput, median requests/s (closed loop, best connection count)',
      // The density figure is the median of the ramps: the heading says so.
      'hello · density, median instances per GiB over the ramps (memory source: PSS, the same for every runtime)',
    ]);
    expect(text).toMatch(/\n {2}wasm · wasm +2\d\d\.\d µs +2\d\d\.\d µs … 2\d\d\.\d µs +reference\n/);
    expect(text).toMatch(
      /\n {2}container · native +\d+\.\d\d ms +[\d.]+ ms … [\d.]+ ms +[\d,]+–[\d,]+× slower than wasm · wasm\n/,
    );
    expect(text).toMatch(
      /\n {2}container · native +[\d,]+ req\/s at 64 connections +[\d,]+ req\/s … [\d,]+ req\/s +1\.\d× more throughput than wasm · wasm/,
    );
    expect(text).toMatch(
      /\n {2}pool · node +\d\d\.\d instances\/GiB as live instances +single measurement +1,\d{3}× less dense than wasm · wasm\n/,
    );
    expect(text).not.toMatch(/cold_start_ns|\{|0\.00×/);
    expect(text).toMatch(/\(\d+ series in all: --verbose prints every one; the report has them too\)\n$/);
    expect(hasTerminalControls(text.replace(/\n/g, ''))).toBe(false);
  });

  it("a run with the wasm runtime's series: one row per series in words, what the words mean, no raw tag", () => {
    const samples: SampleRow[] = seriesDemo()
      .flatMap((s, i) => syntheticSamples(s, i + 1))
      .map((r) => ({ type: 'sample', ...r }));
    const text = runSummaryText([{ samples, events: [] }], { resamples: 200 });
    const cold = text.split('hello · ')[1]!.split('\n').slice(1, 6);
    expect(cold.map((l) => l.trim().split(/ {2,}/)[0])).toEqual([
      'wasm · component [plain, reuse 128]',
      'wasm · wasm [wizer, reuse 1]',
      'wasm · wasm [plain, reuse 1]',
      'wasm · component [plain, reuse 1]',
      'container · native',
    ]);
    expect(text).toMatch(/\n {2}wasm · wasm \[plain, reuse 1\] +[\d.]+ µs .* reference\n/);
    expect(text).toContain(
      "series in brackets: plain: compiled at deploy; reuse 1: fresh instance per request; reuse 128: instance reused for up to 128 requests; wizer: pre-initialised by Wizer; ratios are against wasm's default series (plain, reuse 1) where it was measured",
    );
    expect(text).not.toMatch(/[{}]|preinit|reuse=/);
    const verbose = runSummaryText([{ samples, events: [] }], { resamples: 200, verbose: true });
    expect(verbose).not.toMatch(/[{}]/);
  });

  it('--verbose adds every series; colour swatches only when asked for', () => {
    const verbose = runSummaryText([{ samples: demo, events: [] }], { verbose: true, resamples: 200 });
    expect(verbose).toMatch(/^runtime +workload +variant +metric/);
    expect(verbose).toContain('latency_ns (p99, 900 req/s offered)');
    expect(verbose).toContain('hello · cold start');
    const coloured = runSummaryText([{ samples: demo, events: [] }], { colour: true, resamples: 200 });
    expect(coloured).toContain(`\x1b[38;2;0;114;178m■\x1b[39m wasm · wasm`);
    expect(RUNTIME_COLOURS['wasm']).toBe('#0072B2');
  });

  it('lists error events with their control characters escaped', () => {
    const text = runSummaryText([
      { samples: [row({ value: 1000 })], events: [event('error', 'guest \x1b[2Jsaid\nno'), event('info', 'fine')] },
    ]);
    expect(text).toMatch(/^hello · cold start/);
    expect(text.endsWith('error: guest \\x1b[2Jsaid\\x0ano\n')).toBe(true);
    expect(text).not.toContain('fine');
    expect(runSummaryText([{ samples: [], events: [] }])).toBe('no correct samples were measured\n');
    const hostile = runSummaryText([
      { samples: [row({ value: 1000, workload: 'he\x1b[2Jllo', runtime: 'w\u009b1m' })], events: [] },
    ]);
    expect(hasTerminalControls(hostile.replace(/\n/g, ''))).toBe(false);
    expect(hostile).toContain('he\\x1b[2Jllo · cold start');
  });
});

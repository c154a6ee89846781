// The CI gate on synthetic results written by the real writer: it fails only on a
// regression that is both above the threshold and significant; unusable input → 2.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { runCliInProcess } from '../../test/in-process-cli.js';
import { SYNTHETIC_MACHINE, writeSyntheticResults, type SyntheticSeries } from '../../reports/synthetic.js';
import { readResults } from '../results/reader.js';
import { annotations, gate, gateMarkdown, parseGateMetric, parsePercent, type GateOptions } from './gate.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (n: string) => join(dir, n);

const wasm = (median: number, over: Partial<SyntheticSeries> = {}): SyntheticSeries => ({ runtime: 'wasm', median, n: 200, spread: 0.05, ...over });
const BASE = file('base.jsonl');
writeSyntheticResults(BASE, [wasm(300_000), { runtime: 'node-wasi', variant: 'wasm', median: 1_000_000, n: 200, spread: 0.05 }], { seed: 1 });

const opts = (over: Partial<GateOptions> = {}): GateOptions => ({
  metrics: ['cold_start_ns:median', 'cold_start_ns:p99'].map(parseGateMetric), maxRegression: 0.1, seed: 1, resamples: 1000,
  baselineName: 'base.jsonl', currentName: 'current.jsonl', ...over,
});
const current = (name: string, series: SyntheticSeries[], seed = 2) => {
  const p = file(name);
  writeSyntheticResults(p, series, { seed });
  return p;
};
const nodeWasi: SyntheticSeries = { runtime: 'node-wasi', variant: 'wasm', median: 1_000_000, n: 200, spread: 0.05 };

describe('gate decisions (pure)', () => {
  it('parses metric specs and thresholds', () => {
    expect(parseGateMetric('cold_start_ns')).toEqual({ metric: 'cold_start_ns', stat: 'median', q: 0.5 });
    expect(parseGateMetric('cold_start_ns:p99')).toMatchObject({ q: 0.99 });
    expect(parseGateMetric('x_ns:p999')).toMatchObject({ q: 0.999 });
    expect(() => parseGateMetric('x_ns:mean')).toThrow(/bad statistic 'mean'/);
    expect(parsePercent('10%')).toBeCloseTo(0.1, 12);
    expect(parsePercent('2.5')).toBeCloseTo(0.025, 12);
    expect(() => parsePercent('ten')).toThrow(/percentage/);
  });

  it('fails a significant regression above the threshold, passes the unchanged runtime', () => {
    const cur = current('slow.jsonl', [wasm(390_000), nodeWasi]);
    const checks = gate(readResults(BASE), readResults(cur), opts());
    const w = checks.filter((c) => c.runtime === 'wasm');
    expect(w.map((c) => [c.stat, c.status])).toEqual([['median', 'fail'], ['p99', 'fail']]);
    expect(w[0]!.change).toBeGreaterThan(0.25);
    expect(w[0]!.comparison!.interval.lo).toBeGreaterThan(1.1);
    expect(checks.filter((c) => c.runtime === 'node-wasi').map((c) => c.status)).toEqual(['pass', 'pass']);
    const a = annotations(checks);
    expect(a).toHaveLength(2);
    expect(a[0]).toMatch(new RegExp(/^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: regressed 3\d\.\d%25: above 10\.0%25 and significant \(\d+\.\d µs → \d+\.\d µs, ratio 1\.3\d\d, 95% CI/.source.replace('95%', '95%25')));
    const md = gateMarkdown(checks, opts());
    expect(md).toMatch(/^### faasbench gate: ❌ 2 significant regressions above 10\.0%/);
    expect(md).toMatch(/\| ❌ fail \| wasm\/hello\/wasm \| cold_start_ns median \| \d+\.\d µs \| \d+\.\d µs \| \+3\d\.\d% \|/);
  });

  it('only warns for a large but insignificant regression (few, noisy samples)', () => {
    const noisyBase = file('noisy-base.jsonl');
    writeSyntheticResults(noisyBase, [wasm(300_000, { n: 6, spread: 0.6 })], { seed: 3 });
    const cur = current('noisy.jsonl', [wasm(345_000, { n: 6, spread: 0.6 })], 4);
    const [median] = gate(readResults(noisyBase), readResults(cur), opts());
    expect(median!.change).toBeGreaterThan(0.1);
    expect(median!.comparison!.significant).toBe(false);
    expect(median).toMatchObject({ status: 'warn' });
    expect(median!.reason).toMatch(/above 10\.0% but not significant/);
  });

  it('only warns for a significant regression within the threshold', () => {
    const cur = current('slightly.jsonl', [wasm(315_000, { spread: 0.01 })], 5);
    const tight = file('tight-base.jsonl');
    writeSyntheticResults(tight, [wasm(300_000, { spread: 0.01 })], { seed: 6 });
    const [median] = gate(readResults(tight), readResults(cur), opts());
    expect(median!.comparison!.significant).toBe(true);
    expect(median!.change).toBeLessThan(0.1);
    expect(median).toMatchObject({ status: 'warn' });
    expect(median!.reason).toMatch(/significant but within 10\.0%/);
  });

  it('never fails on too few samples to judge, however large the change', () => {
    const few = file('few-base.jsonl');
    writeSyntheticResults(few, [wasm(300_000, { n: 3 })], { seed: 8 });
    const cur = current('few.jsonl', [wasm(900_000, { n: 3 })], 9);
    const [median] = gate(readResults(few), readResults(cur), opts());
    expect(median).toMatchObject({ status: 'warn', reason: 'too few samples to judge (3 vs 3, need 5 a side): raise --iterations' });
  });

  it('reports an improvement and skips series present on one side only', () => {
    const cur = current('faster.jsonl', [wasm(200_000), { runtime: 'pool', variant: 'node', median: 50_000, n: 20 }]);
    const checks = gate(readResults(BASE), readResults(cur), opts({ metrics: [parseGateMetric('cold_start_ns')] }));
    expect(checks.map((c) => [c.runtime, c.status, c.reason.replace(/\d+\.\d%/, 'N%')])).toEqual([
      ['wasm', 'pass', 'improved N%'],
      ['node-wasi', 'missing', 'not measured in current.jsonl'],
      ['pool', 'missing', 'new: not in base.jsonl, not gated'],
    ]);
  });

  it('refuses a metric that is not in the results', () => {
    expect(() => gate(readResults(BASE), readResults(BASE), opts({ metrics: [parseGateMetric('throughput_rps')] }))).toThrow(
      "metric 'throughput_rps' is not in base.jsonl (it has: cold_start_ns); choose with --metric",
    );
  });
});

describe('faasbench gate (CLI)', () => {
  it('exit 1 with ::error annotations and a Markdown table for a significant regression; writes $GITHUB_STEP_SUMMARY', async () => {
    const summary = file('step-summary.md');
    const r = await runCli(['gate', '--baseline', BASE, file('slow.jsonl'), '--max-regression', '10%', '--markdown', file('gate.md')], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout.match(/^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns (median|p99)/gm)).toHaveLength(2);
    expect(r.stdout).toContain('| status | runtime/workload | metric |');
    expect(readFileSync(summary, 'utf8')).toContain('### faasbench gate: ❌ 2 significant regressions above 10.0%');
    expect(readFileSync(file('gate.md'), 'utf8')).toContain('❌ fail');
  });

  it('exit 0 when the regression is below a looser threshold', async () => {
    const r = await runCliInProcess(['gate', '--baseline', BASE, file('slow.jsonl'), '--max-regression', '50%']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: regressed 3\d\.\d%25: significant but within 50\.0%25/m);
    expect(r.stdout).toContain('### faasbench gate: ✅ no significant regression above 50.0%');
  });

  it.each([
    ['a metric not in the results', () => ['--metric', 'latency_ns:p99', file('slow.jsonl')], /metric 'latency_ns' is not in .*base\.jsonl \(it has: cold_start_ns\)/],
    ['an empty file', () => { writeFileSync(file('empty.jsonl'), ''); return [file('empty.jsonl')]; }, /empty\.jsonl: empty results file/],
    ['a truncated file', () => {
      writeSyntheticResults(file('trunc.jsonl'), [wasm(300_000, { n: 5 })], { end: false });
      appendFileSync(file('trunc.jsonl'), '{"type":"sam');
      return [file('trunc.jsonl')];
    }, /trunc\.jsonl:7: last line is truncated \(the run was probably killed\): refusing an incomplete results file/],
    ['a mixed-version file', () => {
      const p = file('mixed.jsonl');
      writeSyntheticResults(p, [wasm(300_000, { n: 5 })]);
      writeSyntheticResults(file('mixed-2.jsonl'), [wasm(300_000, { n: 5 })], { header: { runId: 'r2', versions: { faasbench: '9.0.0' } } });
      appendFileSync(p, readFileSync(file('mixed-2.jsonl')));
      return [p];
    }, /mixed\.jsonl: mixed versions in one file: run synthetic-run by faasbench 0\.1\.0 \(results schema 1\), run r2 by faasbench 9\.0\.0/],
    ['another machine', () => {
      writeSyntheticResults(file('laptop.jsonl'), [wasm(300_000)], { header: { machine: { ...SYNTHETIC_MACHINE, fingerprint: 'laptop', memoryBytes: 16 * 2 ** 30 } } });
      return [file('laptop.jsonl')];
    }, /different machines: memoryBytes 8589934592 vs 17179869184; timings are not comparable \(pass --allow-different-machines/],
  ])('exit 2 for %s', async (_what, args, message) => {
    const r = await runCliInProcess(['gate', '--baseline', BASE, ...(args as () => string[])()]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

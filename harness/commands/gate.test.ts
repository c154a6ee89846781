// The CI gate on synthetic results written by the real writer: it fails only on a
// regression that is both above the threshold and significant; unusable input → 2.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import { runCliInProcess } from '../../test/in-process-cli.js';
import {
  SYNTHETIC_MACHINE,
  syntheticHeader,
  writeSyntheticResults,
  type SyntheticSeries,
} from '../../reports/synthetic.js';
import { readResults, type RunResults } from '../../model/results/reader.js';
import type { SampleRow } from '../../model/results/schema.js';
import { ResultsWriter } from '../../model/results/writer.js';
import { annotations, gate, gateMarkdown, parseGateMetric, parsePercent, type GateOptions } from './gate.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (n: string) => join(dir, n);

const wasm = (median: number, over: Partial<SyntheticSeries> = {}): SyntheticSeries => ({
  runtime: 'wasm',
  median,
  n: 200,
  spread: 0.05,
  ...over,
});
const BASE = file('base.jsonl');
writeSyntheticResults(
  BASE,
  [wasm(300_000), { runtime: 'node-wasi', variant: 'wasm', median: 1_000_000, n: 200, spread: 0.05 }],
  { seed: 1 },
);

const opts = (over: Partial<GateOptions> = {}): GateOptions => ({
  metrics: ['cold_start_ns:median', 'cold_start_ns:p99'].map(parseGateMetric),
  maxRegression: 0.1,
  seed: 1,
  resamples: 1000,
  baselineName: 'base.jsonl',
  currentName: 'current.jsonl',
  ...over,
});
const current = (name: string, series: SyntheticSeries[], seed = 2) => {
  const p = file(name);
  writeSyntheticResults(p, series, { seed });
  return p;
};
const nodeWasi: SyntheticSeries = { runtime: 'node-wasi', variant: 'wasm', median: 1_000_000, n: 200, spread: 0.05 };

// Fail closed: a series the gate cannot judge is an error (exit 2), never a pass.
const run = (rows: Omit<SampleRow, 'type'>[]): RunResults[] => [
  {
    file: 'x.jsonl',
    header: syntheticHeader(),
    events: [],
    end: { type: 'end', finishedAt: '2026-01-01T00:00:01.000Z', status: 'completed' },
    warnings: [],
    samples: rows.map((r) => ({ type: 'sample', ...r })),
  },
];
const rows = (runtime: string, values: number[], ok = true): Omit<SampleRow, 'type'>[] =>
  values.map((value, i) => ({
    workload: 'hello',
    variant: 'wasm',
    runtime,
    mode: 'cold',
    phase: 'total',
    metric: 'cold_start_ns',
    value,
    ok,
    iteration: i,
    ...(ok ? {} : { error: 'status 500' }),
  }));
const steady = (m: number, n = 20) => Array.from({ length: n }, (_, i) => m + (i % 5));

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
    expect(w.map((c) => [c.stat, c.status])).toEqual([
      ['median', 'fail'],
      ['p99', 'fail'],
    ]);
    expect(w[0]!.change).toBeGreaterThan(0.25);
    expect(w[0]!.comparison!.interval.lo).toBeGreaterThan(1.1);
    expect(checks.filter((c) => c.runtime === 'node-wasi').map((c) => c.status)).toEqual(['pass', 'pass']);
    const a = annotations(checks);
    expect(a).toHaveLength(2);
    expect(a[0]).toMatch(
      new RegExp(
        /^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: regressed 3\d\.\d%25: above 10\.0%25 and significant \(\d+\.\d µs → \d+\.\d µs, ratio 1\.3\d\d, 95% CI/.source.replace(
          '95%',
          '95%25',
        ),
      ),
    );
    const md = gateMarkdown(checks, opts());
    expect(md).toMatch(/^### faasbench gate: ❌ 2 significant regressions above 10\.0%/);
    expect(md).toMatch(
      /\| ❌ fail \| wasm\/hello\/wasm \| cold\\_start\\_ns median \| \d+\.\d µs \| \d+\.\d µs \| \+3\d\.\d% \|/,
    );
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
    expect(median).toMatchObject({
      status: 'warn',
      reason: 'too few samples to judge (3 vs 3, need 5 a side): raise --iterations',
    });
  });

  it('reports an improvement, skips a new series, and cannot decide on a gated series the current run did not measure', () => {
    const cur = current('faster.jsonl', [wasm(200_000), { runtime: 'pool', variant: 'node', median: 50_000, n: 20 }]);
    const checks = gate(readResults(BASE), readResults(cur), opts({ metrics: [parseGateMetric('cold_start_ns')] }));
    expect(checks.map((c) => [c.runtime, c.status, c.reason.replace(/\d+\.\d%/, 'N%')])).toEqual([
      ['wasm', 'pass', 'improved N%'],
      ['node-wasi', 'error', 'cannot decide: not measured in current.jsonl (it is in the baseline)'],
      ['pool', 'missing', 'new: not in base.jsonl, not gated'],
    ]);
  });

  it.each([
    [
      'every current sample failed its check',
      rows('wasm', steady(300_000)),
      rows('wasm', steady(300_000), false),
      /cannot decide: no correct samples in current\.jsonl \(20 failed\)/,
    ],
    [
      'every baseline sample failed its check',
      rows('wasm', steady(300_000), false),
      rows('wasm', steady(300_000)),
      /cannot decide: no correct samples in base\.jsonl \(20 failed\)/,
    ],
    [
      'a zero baseline median (x / 0)',
      rows(
        'wasm',
        steady(0).map(() => 0),
      ),
      rows('wasm', steady(300_000)),
      /cannot decide: the baseline median is 0: the ratio is unbounded/,
    ],
    [
      'a baseline whose resamples reach 0',
      rows('wasm', [...Array(9).fill(0), ...steady(300_000, 11)]),
      rows('wasm', steady(300_000)),
      /cannot decide: the 95% interval is unbounded/,
    ],
  ])('cannot decide when %s: status error, never pass', (_what, base, cur, reason) => {
    // A second, healthy runtime keeps both files usable as a whole.
    const checks = gate(
      run([...base, ...rows('node-wasi', steady(900_000))]),
      run([...cur, ...rows('node-wasi', steady(900_000))]),
      opts({ metrics: [parseGateMetric('cold_start_ns')] }),
    );
    const w = checks.find((c) => c.runtime === 'wasm')!;
    expect(w.status).toBe('error');
    expect(w.reason).toMatch(reason);
    expect(checks.find((c) => c.runtime === 'node-wasi')!.status).toBe('pass');
    expect(annotations(checks)[0]).toMatch(
      /^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: cannot decide/,
    );
    expect(gateMarkdown(checks, opts())).toMatch(/^### faasbench gate: ⛔ cannot decide on 1 series/);
  });

  it('refuses files with no series in common, even when each has the metric', () => {
    const other = run(rows('container', steady(300_000)));
    expect(() => gate(run(rows('wasm', steady(300_000))), other, opts())).toThrow(
      'base.jsonl and current.jsonl have no runtime × workload in common for cold_start_ns',
    );
    // One series in both whose current samples all failed: judged (cannot decide), not "nothing in common".
    const checks = gate(
      run(rows('wasm', steady(300_000))),
      run([...rows('wasm', steady(300_000), false), ...rows('container', steady(300_000))]),
      opts(),
    );
    expect(checks.filter((c) => c.runtime === 'wasm').map((c) => c.status)).toEqual(['error', 'error']);
  });

  it('refuses a metric that is not in the results', () => {
    expect(() =>
      gate(readResults(BASE), readResults(BASE), opts({ metrics: [parseGateMetric('throughput_rps')] })),
    ).toThrow("metric 'throughput_rps' is not in base.jsonl (it has: cold_start_ns); choose with --metric");
  });
});

describe('faasbench gate (CLI)', () => {
  it('exit 1 with ::error annotations and a Markdown table for a significant regression; writes $GITHUB_STEP_SUMMARY', async () => {
    const summary = file('step-summary.md');
    const r = await runCli(
      ['gate', '--baseline', BASE, file('slow.jsonl'), '--max-regression', '10%', '--markdown', file('gate.md')],
      { env: { GITHUB_STEP_SUMMARY: summary } },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(
      r.stdout.match(/^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns (median|p99)/gm),
    ).toHaveLength(2);
    expect(r.stdout).toContain('| status | runtime/workload | metric |');
    expect(readFileSync(summary, 'utf8')).toContain('### faasbench gate: ❌ 2 significant regressions above 10.0%');
    expect(readFileSync(file('gate.md'), 'utf8')).toContain('❌ fail');
  });

  it('exit 0 when the regression is below a looser threshold', async () => {
    const r = await runCliInProcess(['gate', '--baseline', BASE, file('slow.jsonl'), '--max-regression', '50%']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^::warning title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: regressed 3\d\.\d%25: significant but within 50\.0%25/m,
    );
    expect(r.stdout).toContain('### faasbench gate: ✅ no significant regression above 50.0%');
  });

  it('exit 2 naming the line and field when the current values are Infinity (1e999), never "no significant regression"', async () => {
    const p = file('infinite.jsonl');
    writeFileSync(p, readFileSync(BASE, 'utf8').replace(/"value":\d+/g, '"value":1e999'));
    const r = await runCliInProcess(['gate', '--baseline', BASE, p]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('no significant regression');
    expect(r.stderr).toMatch(/infinite\.jsonl:2: bad row: value: must be a finite number/);
  });

  it('exit 2 when a gated series cannot be decided (every current sample failed), exit 1 still wins for a real regression', async () => {
    const write = (name: string, make: (w: ResultsWriter) => void) => {
      const p = file(name);
      const w = new ResultsWriter(p, syntheticHeader());
      make(w);
      w.end('completed');
      return p;
    };
    const broken = write('broken.jsonl', (w) => {
      for (const r of rows('wasm', steady(300_000, 200), false)) w.sample(r);
      for (const r of rows('node-wasi', steady(1_000_000, 200))) w.sample(r);
    });
    const r = await runCliInProcess(['gate', '--baseline', BASE, broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /^::error title=faasbench gate::wasm\/hello\/wasm cold_start_ns median: cannot decide: no correct samples in .*broken\.jsonl \(200 failed\)/m,
    );
    expect(r.stdout).toContain('### faasbench gate: ⛔ cannot decide on 2 series');
    expect(r.stdout).not.toContain('no significant regression');
    const brokenAndSlow = write('broken-slow.jsonl', (w) => {
      for (const r of rows('wasm', steady(300_000, 200), false)) w.sample(r);
      for (const r of rows('node-wasi', steady(2_000_000, 200))) w.sample(r);
    });
    expect((await runCliInProcess(['gate', '--baseline', BASE, brokenAndSlow])).code).toBe(1);
  });

  it('--help says which exit code means what', async () => {
    const r = await runCli(['gate', '--help']);
    expect(r.stdout).toMatch(/exit 2.*cannot decide/s);
    expect(r.stdout).toMatch(/never passes/);
  });

  it.each([
    [
      'a metric not in the results',
      () => ['--metric', 'latency_ns:p99', file('slow.jsonl')],
      /metric 'latency_ns' is not in .*base\.jsonl \(it has: cold_start_ns\)/,
    ],
    [
      'an empty file',
      () => {
        writeFileSync(file('empty.jsonl'), '');
        return [file('empty.jsonl')];
      },
      /empty\.jsonl: empty results file/,
    ],
    [
      'a truncated file',
      () => {
        writeSyntheticResults(file('trunc.jsonl'), [wasm(300_000, { n: 5 })], { end: false });
        appendFileSync(file('trunc.jsonl'), '{"type":"sam');
        return [file('trunc.jsonl')];
      },
      /trunc\.jsonl:7: last line is truncated \(the run was probably killed\): refusing an incomplete results file/,
    ],
    [
      'a mixed-version file',
      () => {
        const p = file('mixed.jsonl');
        writeSyntheticResults(p, [wasm(300_000, { n: 5 })]);
        writeSyntheticResults(file('mixed-2.jsonl'), [wasm(300_000, { n: 5 })], {
          header: { runId: 'r2', versions: { faasbench: '9.0.0' } },
        });
        appendFileSync(p, readFileSync(file('mixed-2.jsonl')));
        return [p];
      },
      /mixed\.jsonl: mixed versions in one file: run synthetic-run by faasbench 0\.1\.0 \(results schema 1\), run r2 by faasbench 9\.0\.0/,
    ],
    [
      'a file with no samples',
      () => {
        writeSyntheticResults(file('nothing.jsonl'), []);
        return [file('nothing.jsonl')];
      },
      /nothing\.jsonl: no samples \(the run measured nothing\)/,
    ],
    [
      'a file whose every sample failed',
      () => {
        const w = new ResultsWriter(file('all-failed.jsonl'), syntheticHeader());
        for (const r of rows('wasm', steady(300_000), false)) w.sample(r);
        w.end('completed');
        return [file('all-failed.jsonl')];
      },
      /all-failed\.jsonl: no correct samples \(every sample failed its check\)/,
    ],
    [
      'another machine',
      () => {
        writeSyntheticResults(file('laptop.jsonl'), [wasm(300_000)], {
          header: { machine: { ...SYNTHETIC_MACHINE, fingerprint: 'laptop', memoryBytes: 16 * 2 ** 30 } },
        });
        return [file('laptop.jsonl')];
      },
      /different machines: memoryBytes 8589934592 vs 17179869184; timings are not comparable \(pass --allow-different-machines/,
    ],
  ])('exit 2 for %s', async (_what, args, message) => {
    const r = await runCliInProcess(['gate', '--baseline', BASE, ...(args as () => string[])()]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

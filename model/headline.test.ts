// The headline is like for like: one memory source for every runtime (cgroup when
// all have it, else PSS), throughput at each runtime's best connection count with
// the count stated, ratios as words from the reference's side, a runtime that beats
// the reference pointed out, one measurement called "single measurement".
import { describe, expect, it } from 'vitest';
import { demoSeries, syntheticSamples, type SyntheticSeries } from '../reports/synthetic.js';
import type { SampleRow } from './results/schema.js';
import { buildHeadlines, comparisonText, type Headline } from './headline.js';
import { groupSeries } from './summary.js';

const seriesOf = (list: SyntheticSeries[]) => [
  ...groupSeries(
    list.flatMap((s, i) => syntheticSamples(s, i + 1)).map((r) => ({ type: 'sample', ...r }) as SampleRow),
  ).values(),
];
const headlines = (list: SyntheticSeries[]) => buildHeadlines(seriesOf(list), { reference: 'wasm', resamples: 300 });
const find = (hs: Headline[], q: Headline['question']) => hs.find((h) => h.question === q)!;

describe('headlines', () => {
  const hs = headlines(demoSeries(0.5));

  it('one per question with data, runtimes sorted best first', () => {
    expect(hs.map((h) => h.question)).toEqual(['cold', 'appCold', 'throughput', 'density']);
    const cold = find(hs, 'cold');
    expect(cold.entries.map((e) => e.runtime)).toEqual(['wasm', 'pool', 'node-wasi', 'process', 'lambda', 'container']);
    expect(cold.logScale).toBe(true);
    const meds = cold.entries.map((e) => e.median);
    expect([...meds].sort((a, b) => a - b)).toEqual(meds);
    const dens = find(hs, 'density').entries.map((e) => e.median);
    expect([...dens].sort((a, b) => b - a)).toEqual(dens);
  });

  it('density: one memory source for every runtime; PSS because the pool has no cgroup figure', () => {
    const d = find(hs, 'density');
    expect(d.source).toBe('pss');
    expect(new Set(d.entries.map((e) => e.tags.match(/source=(\w+)/)![1]))).toEqual(new Set(['pss']));
    expect(d.basis).toMatch(/^memory source: PSS for every runtime/);
    // Without the pool every runtime has cgroup: cgroup it is, for all of them.
    const noPool = find(
      headlines(demoSeries(0.5).filter((s) => !(s.runtime === 'pool' && s.mode === 'density'))),
      'density',
    );
    expect(noPool.source).toBe('cgroup');
    expect(noPool.entries.every((e) => e.tags.includes('source=cgroup'))).toBe(true);
    // A runtime without the chosen source is listed as missing, not filled in from another.
    const odd = find(
      headlines([
        ...demoSeries(0.5).filter((s) => s.mode === 'density'),
        {
          runtime: 'ext',
          mode: 'density',
          metric: 'instances_per_gib',
          median: 7,
          n: 1,
          tags: { view: 'instances', source: 'rss' },
        },
      ]),
      'density',
    );
    expect(odd.source).toBe('pss');
    expect(odd.entries.map((e) => e.runtime)).not.toContain('ext');
    expect(odd.missing).toEqual([{ runtime: 'ext', variant: 'wasm', reason: 'no PSS figure (measured: RSS)' }]);
  });

  it('throughput: each runtime at its best connection count, the count stated', () => {
    const t = find(hs, 'throughput');
    expect(
      t.entries.every(
        (e) =>
          e.metric === 'throughput_rps' && e.tags === 'connections=64' && e.basis === 'at 64 connections' && e.n === 3,
      ),
    ).toBe(true);
    expect(t.basis).toBe('closed loop: the best median over 8, 64 connections, the count shown with each figure');
    // An older file with only the mode's summary row per runtime: that row, its count stated.
    const old = find(
      headlines([
        {
          runtime: 'wasm',
          mode: 'throughput',
          metric: 'max_throughput_rps',
          median: 9000,
          n: 1,
          tags: { connections: 50 },
        },
        {
          runtime: 'container',
          variant: 'native',
          mode: 'throughput',
          metric: 'max_throughput_rps',
          median: 14000,
          n: 1,
          tags: { connections: 10 },
        },
      ]),
      'throughput',
    );
    expect(old.entries.map((e) => [e.runtime, e.metric, e.basis])).toEqual([
      ['container', 'max_throughput_rps', 'at 10 connections'],
      ['wasm', 'max_throughput_rps', 'at 50 connections'],
    ]);
    expect(old.sentence).toMatch(
      /^Throughput, single measurements: wasm · wasm \(\d,\d{3} req\/s at 50 connections\) is 1\.\d× less throughput than container · native\.$/,
    );
  });

  it('sentences: factors in words from the reference side, never 0.00×; caveats said once', () => {
    const cold = find(hs, 'cold').sentence;
    expect(cold).toMatch(
      /^Cold start: wasm · wasm \(2\d\d\.\d µs\) is 1\.\d+–1\.\d+× faster than pool · node; .*[\d,]+–[\d,]+× faster than container · native\.$/,
    );
    const dens = find(hs, 'density').sentence;
    expect(dens).toMatch(
      /^Density \(PSS\), single measurements: wasm · wasm \(5\d,\d{3} instances\/GiB as idle apps\) is \d\.\d× denser than node-wasi · wasm; 3\d\d× denser than container · native;/,
    );
    expect(dens).not.toMatch(/\(single measurement\)/);
    expect(find(hs, 'throughput').sentence).toMatch(
      /^Throughput, 3 measurements each \(too few for a verdict\): wasm · wasm \([\d,]+ req\/s at 64 connections\) is 1\.\d× less throughput than container · native;/,
    );
    for (const h of hs) expect(h.sentence).not.toMatch(/0\.00×|NaN|Infinity|\{/);
  });

  it('a runtime that beats the reference is said and flagged; from its own side it is faster', () => {
    const hs2 = headlines([
      { runtime: 'wasm', median: 2_510_000, n: 40 },
      { runtime: 'node-wasi', median: 1_700_000, n: 40 },
      { runtime: 'container', median: 300_000_000, n: 40 },
    ]);
    const cold = find(hs2, 'cold');
    const nw = cold.entries.find((e) => e.runtime === 'node-wasi')!;
    expect(nw.beatsReference).toBe(true);
    expect(cold.entries.find((e) => e.runtime === 'container')!.beatsReference).toBe(false);
    expect(cold.sentence).toMatch(
      /is 1\.\d+–1\.\d+× slower than node-wasi · wasm; .* Note: node-wasi · wasm beats the reference here\.$/,
    );
    expect(comparisonText('cold', nw, cold.reference!, 'candidate')).toMatch(
      /^1\.\d+–1\.\d+× faster than wasm · wasm$/,
    );
  });

  it('no reference measured: best first, no ratios; no data: no headline', () => {
    const hs3 = headlines([
      { runtime: 'container', median: 4e8, n: 10 },
      { runtime: 'lambda', median: 1e8, n: 10 },
    ]);
    expect(find(hs3, 'cold').sentence).toMatch(
      /^Cold start: best lambda · wasm, 1\d\d\.\d\d ms; no reference runtime measured, so no ratios\.$/,
    );
    expect(buildHeadlines([], { reference: 'wasm' })).toEqual([]);
    // The reference measured, but not with the density source every other runtime has: said, no ratios.
    const d = find(
      headlines([
        {
          runtime: 'wasm',
          mode: 'density',
          metric: 'instances_per_gib',
          median: 5000,
          n: 1,
          tags: { view: 'apps', source: 'cgroup' },
        },
        {
          runtime: 'process',
          mode: 'density',
          metric: 'instances_per_gib',
          median: 150,
          n: 1,
          spread: 0,
          tags: { view: 'instances', source: 'pss' },
        },
        {
          runtime: 'lambda',
          mode: 'density',
          metric: 'instances_per_gib',
          median: 130,
          n: 1,
          tags: { view: 'instances', source: 'pss' },
        },
      ]),
      'density',
    );
    expect(d.sentence).toBe(
      'Density (PSS): best process · wasm, 150 instances/GiB as live instances; the reference wasm · wasm has no PSS figure, so no ratios.',
    );
    expect(d.missing).toEqual([{ runtime: 'wasm', variant: 'wasm', reason: 'no PSS figure (measured: cgroup)' }]);
  });
});

// The headline is like for like: one memory source for every runtime (cgroup when
// all have it, else PSS), throughput at each runtime's best connection count with
// the count stated, ratios as words from the reference's side, a runtime that beats
// the reference pointed out, one measurement called "single measurement", a few (density's
// 3 ramps) a median and a ratio each with its interval but no verdict.
import { describe, expect, it } from 'vitest';
import { demoSeries, seriesDemo, syntheticSamples, type SyntheticSeries } from '../reports/synthetic.js';
import type { SampleRow } from './results/schema.js';
import { buildHeadlines, comparisonText, entryLabel, type Headline } from './headline.js';
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
    expect(odd.missing).toEqual([
      { runtime: 'ext', variant: 'wasm', tags: '', reason: 'no PSS figure (measured: RSS)' },
    ]);
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
      /^Throughput, 3 measurements each \(too few for a verdict\): wasm · wasm \([\d,]+ req\/s at 64 connections\) is 1\.\d× less throughput than container · native \(1\.\d+–1\.\d+×\);/,
    );
    for (const h of hs) expect(h.sentence).not.toMatch(/0\.00×|NaN|Infinity|\{/);
  });

  it('density repeated (3 ramps a runtime): the median with its interval, a ratio with its interval, no verdict', () => {
    const perGib = (runtime: string, variant: string, view: string, median: number, n = 3): SyntheticSeries => ({
      runtime,
      variant,
      mode: 'density',
      metric: 'instances_per_gib',
      median,
      n,
      spread: 0.1,
      tags: { view, source: 'pss' },
    });
    const list = [
      perGib('wasm', 'wasm', 'apps', 50_000),
      perGib('node-wasi', 'wasm', 'apps', 9_000),
      perGib('container', 'native', 'instances', 130),
    ];
    const d = find(headlines(list), 'density');
    const rowsOf = (runtime: string) => seriesOf(list).find((s) => s.runtime === runtime)!.values;
    const wasm = d.entries.find((e) => e.runtime === 'wasm')!;
    const container = d.entries.find((e) => e.runtime === 'container')!;
    // Three figures each (one per ramp): the median of them, and the order-statistic interval (all three: min to max).
    const three = [...rowsOf('wasm')].sort((a, b) => a - b);
    expect(three).toHaveLength(3);
    expect(wasm).toMatchObject({ n: 3, median: three[1], ci: { lo: three[0], hi: three[2] } });
    expect(wasm.ci.lo).toBeLessThan(wasm.ci.hi);
    // The ratio of medians, with a bootstrap interval around it; under 5 a side: no verdict.
    const k = container.vsReference!;
    expect(k.ratio).toBeCloseTo(container.median / wasm.median, 12);
    expect(k.interval.lo).toBeLessThan(k.ratio);
    expect(k.interval.hi).toBeGreaterThan(k.ratio);
    expect(k.verdict).toBe('too few samples');
    expect(container.beatsReference).toBe(false);
    expect(comparisonText('density', container, wasm, 'candidate')).toMatch(
      /^3\d\d× less dense than wasm · wasm \(\d{3}–\d{3}×; under 5 measurements: no verdict\)$/,
    );
    expect(d.sentence).toMatch(
      /^Density \(PSS\), 3 measurements each \(too few for a verdict\): wasm · wasm \(\d\d,\d{3} instances\/GiB as idle apps\) is \d\.\d× denser than node-wasi · wasm \(\d\.\d–\d\.\d×\); 3\d\d× denser than container · native \(\d{3}–\d{3}×\)\.$/,
    );
    expect(d.sentence).not.toMatch(/single measurement/);

    // One ramp on one side (a file from before density repeated, or a time limit that allowed one): said, no interval.
    const mixed = find(headlines([list[0]!, list[1]!, perGib('container', 'native', 'instances', 130, 1)]), 'density');
    const single = mixed.entries.find((e) => e.runtime === 'container')!;
    expect(single.n).toBe(1);
    expect(comparisonText('density', single, mixed.reference!, 'candidate')).toMatch(
      /^3\d\d× less dense than wasm · wasm \(single measurement\)$/,
    );
    expect(mixed.sentence).toMatch(
      /^Density \(PSS\), 1–3 measurements each \(too few for a verdict\): .* is \d\.\d× denser than node-wasi · wasm \(\d\.\d–\d\.\d×\); 3\d\d× denser than container · native \(single measurement\)\.$/,
    );
    // Every figure one ramp: said once, bare ratios.
    const ones = find(headlines(list.map((s) => ({ ...s, n: 1 }))), 'density');
    expect(ones.entries.every((e) => e.n === 1)).toBe(true);
    expect(ones.sentence).toMatch(
      /^Density \(PSS\), single measurements: wasm · wasm \([\d,]+ instances\/GiB as idle apps\) is \d\.\d× denser than node-wasi · wasm; 3\d\d× denser than container · native\.$/,
    );
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
    expect(d.missing).toEqual([
      { runtime: 'wasm', variant: 'wasm', tags: '', reason: 'no PSS figure (measured: cgroup)' },
    ]);
  });
});

describe("a runtime's own series (--preinit, --reuse)", () => {
  const hs = headlines(seriesDemo());

  it('each series is its own entry, labelled in words; the reference is the default series (plain, reuse 1)', () => {
    const cold = find(hs, 'cold');
    expect(cold.entries.map(entryLabel)).toEqual([
      'wasm · component [plain, reuse 128]',
      'wasm · wasm [wizer, reuse 1]',
      'wasm · wasm [plain, reuse 1]',
      'wasm · component [plain, reuse 1]',
      'container · native',
    ]);
    expect(entryLabel(cold.reference!)).toBe('wasm · wasm [plain, reuse 1]');
    expect(cold.sentence).toMatch(/^Cold start: wasm · wasm \[plain, reuse 1\] \(/);
    expect(cold.sentence).toMatch(/; 2\.\d–2\.\d× slower than wasm · wasm \[wizer, reuse 1\];/);
    expect(cold.sentence).toContain(
      'Note: wasm · component [plain, reuse 128], wasm · wasm [wizer, reuse 1] beat the reference',
    );
    for (const h of hs) expect(h.sentence).not.toMatch(/[{}=]/);
  });

  it("every rule applies within a series: throughput at each series' best count, density from its own ramps", () => {
    for (const q of ['throughput', 'density'] as const) {
      const h = find(hs, q);
      expect(h.entries).toHaveLength(5);
      expect(new Set(h.entries.map(entryLabel)).size).toBe(5);
    }
    // Each entry's figure comes from its own series' rows (seriesDemo: the medians step by series), never another's.
    // Within the synthetic spread (3%); the series' medians are 8% or more apart.
    const near = (v: number, target: number) => Math.abs(v / target - 1) <= 0.04;
    const at = (q: Headline['question'], label: string) => find(hs, q).entries.find((e) => entryLabel(e) === label)!;
    expect(near(at('density', 'wasm · wasm [plain, reuse 1]').median, 40_000)).toBe(true);
    expect(near(at('density', 'wasm · wasm [wizer, reuse 1]').median, 45_000)).toBe(true);
    expect(near(at('density', 'wasm · component [plain, reuse 128]').median, 55_000)).toBe(true);
    expect(near(at('throughput', 'wasm · component [plain, reuse 128]').median, 12_000)).toBe(true);
    expect(at('throughput', 'wasm · component [plain, reuse 128]').tags).toBe('connections=64,preinit=plain,reuse=128');
    const wizer = find(hs, 'throughput').entries.find((e) => e.tags.includes('preinit=wizer'))!;
    expect(wizer.tags).toMatch(/^connections=(8|64),preinit=wizer,reuse=1$/);
    expect(find(hs, 'density').entries.map((e) => e.n)).toEqual([3, 3, 3, 3, 3]);
  });

  it('without the default series measured, the reference is the series there is, and its label says which', () => {
    const only = headlines(
      seriesDemo().filter((s) => s.runtime !== 'wasm' || (s.tags?.['preinit'] === 'wizer' && s.mode === undefined)),
    );
    const cold = find(only, 'cold');
    expect(entryLabel(cold.reference!)).toBe('wasm · wasm [wizer, reuse 1]');
    expect(cold.sentence).toMatch(/^Cold start: wasm · wasm \[wizer, reuse 1\] \(/);
  });
});

// Synthetic results files, written through the real ResultsWriter: fixtures for the
// compare/gate/report tests and the report benchmark. Deterministic from a seed.

import { ResultsWriter } from '../model/results/writer.js';
import type { HeaderRow, Machine, SampleRow } from '../model/results/schema.js';
import { rng } from '../model/random.js';

export const SYNTHETIC_MACHINE: Machine = {
  fingerprint: 'synthetic0000001',
  hostname: 'bench-host',
  cpuModel: 'Synthetic CPU @ 3.0GHz',
  cores: 2,
  memoryBytes: 8 * 2 ** 30,
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: '6.1.0-synthetic',
  arch: 'x64',
};

export function syntheticHeader(over: Partial<HeaderRow> = {}): HeaderRow {
  return {
    type: 'header',
    schema: 1,
    runId: 'synthetic-run',
    startedAt: '2026-01-01T00:00:00.000Z',
    command: ['faasbench', 'run', '--seed', '1'],
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    machine: SYNTHETIC_MACHINE,
    versions: { faasbench: '0.1.0', node: '20.0.0', v8: '11.3' },
    flags: [],
    seed: 1,
    config: {},
    ...over,
  };
}

export interface SyntheticSeries {
  runtime: string;
  workload?: string;
  variant?: string;
  mode?: string;
  metric?: string;
  /** Median of the generated values, in base units. */
  median: number;
  /** Relative spread (half-width of the uniform noise around the median). Default 0.05. */
  spread?: number;
  n: number;
  /** Phases whose values are these fractions of each total. */
  phases?: Record<string, number>;
  tags?: SampleRow['tags'];
  /** Phase of the rows (default 'total'). */
  phase?: string;
  /** Every sample failed its check (a load step with errors): written with ok=false. */
  failed?: boolean;
}

/** Samples for one series, spread symmetrically around `median`, integers in base units. */
export function syntheticSamples(s: SyntheticSeries, seed: number): Omit<SampleRow, 'type'>[] {
  const random = rng(seed);
  const spread = s.spread ?? 0.05;
  const rows: Omit<SampleRow, 'type'>[] = [];
  for (let i = 0; i < s.n; i++) {
    const value = Math.max(1, Math.round(s.median * (1 + spread * (2 * random() - 1))));
    const base = {
      workload: s.workload ?? 'hello',
      variant: s.variant ?? 'wasm',
      runtime: s.runtime,
      mode: s.mode ?? 'cold',
      metric: s.metric ?? 'cold_start_ns',
      ok: !s.failed,
      iteration: i,
      ...(s.tags ? { tags: s.tags } : {}),
      ...(s.failed ? { error: 'synthetic: 12 of 900 requests failed' } : {}),
    };
    rows.push({ ...base, phase: s.phase ?? 'total', value });
    for (const [phase, f] of Object.entries(s.phases ?? {}))
      rows.push({ ...base, phase, value: Math.round(value * f) });
  }
  return rows;
}

/** Writes a complete results file (header, interleaved samples, end row). */
export function writeSyntheticResults(
  path: string,
  series: SyntheticSeries[],
  opts: { seed?: number; header?: Partial<HeaderRow>; end?: boolean } = {},
): void {
  const w = new ResultsWriter(path, syntheticHeader(opts.header));
  const all = series.map((s, i) => syntheticSamples(s, (opts.seed ?? 1) * 1000 + i));
  // Interleave the series as a run does (A B A B …).
  const longest = Math.max(0, ...all.map((a) => a.length));
  for (let i = 0; i < longest; i++) for (const a of all) if (a[i]) w.sample(a[i]!);
  if (opts.end !== false) w.end('completed');
}

/**
 * A results set shaped like `faasbench run -r wasm,node-wasi,container,pool,lambda,process
 * -m cold,throughput,density` on a small machine, with every kind of row a report
 * draws: cold starts with phases, the Wasm app cold start, closed-loop throughput per
 * connection count (3 repetitions each), open-loop latency per offered rate and
 * percentile (rates relative to each runtime's maximum; one failed step), density
 * per memory source (one ramp each, as older files; the pool has no cgroup figure, so the
 * headline must fall back to PSS for everyone) and the pool's idle cost. `scale`
 * multiplies the cold-start sample counts (1 → 100 per cold series).
 */
export function demoSeries(scale = 1): SyntheticSeries[] {
  const n = Math.max(1, Math.round(100 * scale));
  const few = Math.max(1, Math.round(20 * scale));
  const out: SyntheticSeries[] = [
    { runtime: 'wasm', median: 250_000, n, phases: { instantiate: 0.3, run: 0.5 } },
    { runtime: 'wasm', metric: 'app_cold_start_ns', median: 9_000_000, n, spread: 0.1 },
    { runtime: 'node-wasi', median: 700_000, n },
    {
      runtime: 'container',
      variant: 'native',
      median: 450_000_000,
      n: few,
      spread: 0.2,
      phases: { create: 0.3, start: 0.6 },
    },
    { runtime: 'pool', variant: 'node', median: 400_000, n, spread: 0.1, phases: { acquire: 0.05 } },
    {
      runtime: 'lambda',
      variant: 'node',
      median: 120_000_000,
      n: few,
      spread: 0.15,
      phases: { spawn: 0.4, init: 0.5 },
    },
    { runtime: 'process', variant: 'native', median: 12_000_000, n, spread: 0.1 },
  ];
  // Throughput rows shaped as harness/modes/throughput.ts writes them.
  const load = [
    ['wasm', 'wasm', 9000],
    ['container', 'native', 14000],
    ['pool', 'node', 11000],
    ['lambda', 'node', 600],
  ] as const;
  for (const [runtime, variant, rps] of load) {
    for (const connections of [8, 64]) {
      out.push({
        runtime,
        variant,
        mode: 'throughput',
        metric: 'throughput_rps',
        median: Math.round(rps * (connections === 8 ? 0.8 : 1)),
        n: 3,
        tags: { connections },
      });
    }
    out.push({
      runtime,
      variant,
      mode: 'throughput',
      metric: 'max_throughput_rps',
      median: rps,
      n: 3,
      tags: { connections: 64 },
    });
    for (const share of [0.1, 0.5, 0.8, 1, 1.2]) {
      const rate = Math.round(rps * share);
      const failed = runtime === 'lambda' && share === 1.2;
      for (const percentile of ['p50', 'p90', 'p99', 'p99.9', 'max']) {
        const base = { p50: 150_000, p90: 250_000, p99: 400_000, 'p99.9': 900_000, max: 2_000_000 }[percentile]!;
        const median = Math.round((base / Math.max(0.05, 1 - share * 0.9)) * (runtime === 'lambda' ? 20 : 1));
        out.push({
          runtime,
          variant,
          mode: 'throughput',
          metric: 'latency_ns',
          median,
          n: 1,
          tags: { rate, percentile },
          phase: percentile === 'p99' ? 'total' : percentile,
          ...(failed ? { failed } : {}),
        });
      }
    }
    out.push({
      runtime,
      variant,
      mode: 'throughput',
      metric: 'slo_rate_rps',
      median: Math.round(rps * 0.8),
      n: 1,
      tags: { slo_ns: 10_000_000, crossed_at_rps: Math.round(rps) },
    });
  }
  // Density rows of one ramp per cell, as files from before harness/modes/density.ts repeated its ramp (3 by
  // default now): the "single measurement" path. Repeated ramps are tested in reports/report.test.ts.
  const density: [string, string, string, Record<string, number>][] = [
    ['wasm', 'wasm', 'apps', { pss: 52_000, rss: 48_000, cgroup: 50_000, memavailable: 255_000, heap: 90_000 }],
    ['node-wasi', 'wasm', 'apps', { pss: 9_000, rss: 8_500, cgroup: 8_800 }],
    ['container', 'native', 'instances', { pss: 150, rss: 120, cgroup: 130 }],
    ['pool', 'node', 'instances', { pss: 40, rss: 35, memavailable: 60 }],
    ['lambda', 'node', 'instances', { pss: 135, rss: 110, cgroup: 128 }],
  ];
  for (const [runtime, variant, view, sources] of density) {
    out.push({
      runtime,
      variant,
      mode: 'density',
      metric: 'instances_count',
      median: 1000,
      n: 1,
      spread: 0,
      tags: { view, stop: 'count' },
    });
    for (const [source, perGib] of Object.entries(sources))
      out.push({
        runtime,
        variant,
        mode: 'density',
        metric: 'instances_per_gib',
        median: perGib,
        n: 1,
        tags: { view, source },
      });
  }
  out.push({ runtime: 'pool', variant: 'node', mode: 'density', metric: 'idle_pss_bytes', median: 42_000_000, n: 3 });
  return out;
}

/**
 * A run with the wasm runtime's own series (`--preinit plain,wizer --reuse 1,128`, as
 * runtimes/wasm/series.ts tags them): wasm · wasm plain and wizer at reuse 1 (reuse
 * 128 does not apply to preview1 modules), wasm · component plain at reuse 1 and 128,
 * and a container beside them; cold start, closed-loop throughput (3 repetitions per
 * count) and density (3 ramps, PSS). Some series are noisy or short on purpose so the
 * statistics warnings name tagged series: a wizer cold start with 6 samples, a noisy
 * throughput step and a noisy density.
 */
export function seriesDemo(): SyntheticSeries[] {
  const wasmSeries: { variant: string; tags: Record<string, string | number>; cold: number; n: number }[] = [
    { variant: 'wasm', tags: { preinit: 'plain', reuse: 1 }, cold: 250_000, n: 30 },
    { variant: 'wasm', tags: { preinit: 'wizer', reuse: 1 }, cold: 120_000, n: 6 },
    { variant: 'component', tags: { preinit: 'plain', reuse: 1 }, cold: 900_000, n: 30 },
    { variant: 'component', tags: { preinit: 'plain', reuse: 128 }, cold: 40_000, n: 30 },
  ];
  const out: SyntheticSeries[] = [];
  for (const [i, s] of wasmSeries.entries()) {
    out.push({ runtime: 'wasm', variant: s.variant, median: s.cold, n: s.n, spread: 0.05, tags: s.tags });
    for (const connections of [8, 64])
      out.push({
        runtime: 'wasm',
        variant: s.variant,
        mode: 'throughput',
        metric: 'throughput_rps',
        median: 8000 + 1000 * i + (connections === 64 ? 1000 : 0),
        n: 3,
        spread: i === 1 ? 0.6 : 0.03,
        tags: { ...s.tags, connections },
      });
    out.push({
      runtime: 'wasm',
      variant: s.variant,
      mode: 'density',
      metric: 'instances_per_gib',
      median: 40_000 + 5000 * i,
      n: 3,
      spread: i === 2 ? 0.6 : 0.03,
      tags: { ...s.tags, view: 'apps', source: 'pss' },
    });
  }
  out.push(
    { runtime: 'container', variant: 'native', median: 450_000_000, n: 12, spread: 0.05 },
    {
      runtime: 'container',
      variant: 'native',
      mode: 'throughput',
      metric: 'throughput_rps',
      median: 12_000,
      n: 3,
      spread: 0.03,
      tags: { connections: 64 },
    },
    {
      runtime: 'container',
      variant: 'native',
      mode: 'density',
      metric: 'instances_per_gib',
      median: 130,
      n: 3,
      spread: 0.03,
      tags: { view: 'instances', source: 'pss' },
    },
  );
  return out;
}

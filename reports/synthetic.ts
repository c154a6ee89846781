// Synthetic results files, written through the real ResultsWriter: fixtures for the
// compare/gate/report tests and the report benchmark. Deterministic from a seed.

import { ResultsWriter } from '../model/results/writer.js';
import type { HeaderRow, Machine, SampleRow } from '../model/results/schema.js';
import { rng } from '../model/random.js';

export const SYNTHETIC_MACHINE: Machine = {
  fingerprint: 'synthetic0000001', hostname: 'bench-host', cpuModel: 'Synthetic CPU @ 3.0GHz', cores: 2,
  memoryBytes: 8 * 2 ** 30, os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-synthetic', arch: 'x64',
};

export function syntheticHeader(over: Partial<HeaderRow> = {}): HeaderRow {
  return {
    type: 'header', schema: 1, runId: 'synthetic-run', startedAt: '2026-01-01T00:00:00.000Z',
    command: ['faasbench', 'run', '--seed', '1'], git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    machine: SYNTHETIC_MACHINE, versions: { faasbench: '0.1.0', node: '20.0.0', v8: '11.3' }, flags: [], seed: 1, config: {}, ...over,
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
}

/** Samples for one series, spread symmetrically around `median`, integers in base units. */
export function syntheticSamples(s: SyntheticSeries, seed: number): Omit<SampleRow, 'type'>[] {
  const random = rng(seed);
  const spread = s.spread ?? 0.05;
  const rows: Omit<SampleRow, 'type'>[] = [];
  for (let i = 0; i < s.n; i++) {
    const value = Math.max(1, Math.round(s.median * (1 + spread * (2 * random() - 1))));
    const base = {
      workload: s.workload ?? 'hello', variant: s.variant ?? 'wasm', runtime: s.runtime, mode: s.mode ?? 'cold',
      metric: s.metric ?? 'cold_start_ns', ok: true, iteration: i, ...(s.tags ? { tags: s.tags } : {}),
    };
    rows.push({ ...base, phase: s.phase ?? 'total', value });
    for (const [phase, f] of Object.entries(s.phases ?? {})) rows.push({ ...base, phase, value: Math.round(value * f) });
  }
  return rows;
}

/** Writes a complete results file (header, interleaved samples, end row). */
export function writeSyntheticResults(path: string, series: SyntheticSeries[], opts: { seed?: number; header?: Partial<HeaderRow>; end?: boolean } = {}): void {
  const w = new ResultsWriter(path, syntheticHeader(opts.header));
  const all = series.map((s, i) => syntheticSamples(s, (opts.seed ?? 1) * 1000 + i));
  // Interleave the series as a run does (A B A B …).
  const longest = Math.max(0, ...all.map((a) => a.length));
  for (let i = 0; i < longest; i++) for (const a of all) if (a[i]) w.sample(a[i]!);
  if (opts.end !== false) w.end('completed');
}

/**
 * A results set with every kind of row a report draws: cold starts with phases on
 * several runtimes, closed-loop throughput per connection count, open-loop latency
 * per offered rate and percentile, density and pool idle cost. `scale` multiplies
 * the cold-start sample counts (1 → 100 per cold series).
 */
export function demoSeries(scale = 1): SyntheticSeries[] {
  const n = Math.max(1, Math.round(100 * scale));
  const out: SyntheticSeries[] = [
    { runtime: 'wasm', median: 250_000, n, phases: { instantiate: 0.3, run: 0.5 } },
    { runtime: 'wasm', metric: 'app_cold_start_ns', median: 9_000_000, n, spread: 0.1 },
    { runtime: 'node-wasi', median: 700_000, n },
    { runtime: 'container', variant: 'native', median: 450_000_000, n, spread: 0.2, phases: { create: 0.3, start: 0.6 } },
    { runtime: 'pool', variant: 'node', median: 400_000, n, spread: 0.1, phases: { acquire: 0.05 } },
  ];
  // Throughput and density rows shaped as harness/modes/{throughput,density}.ts writes them.
  for (const [runtime, variant, rps] of [['wasm', 'wasm', 9000], ['container', 'native', 14000], ['pool', 'node', 11000]] as const) {
    for (const connections of [1, 10, 50]) {
      out.push({ runtime, variant, mode: 'throughput', metric: 'throughput_rps', median: Math.round(rps * Math.min(1, connections / 10)), n: 5, tags: { connections } });
    }
    out.push({ runtime, variant, mode: 'throughput', metric: 'max_throughput_rps', median: rps, n: 5, tags: { connections: 50 } });
    for (const rate of [1000, 4000, 8000]) {
      for (const percentile of ['p50', 'p99']) {
        const load = rate / rps;
        out.push({ runtime, variant, mode: 'throughput', metric: 'latency_ns', median: Math.round((percentile === 'p99' ? 400_000 : 150_000) / Math.max(0.05, 1 - load)), n: 3, tags: { rate, percentile }, phase: percentile === 'p99' ? 'total' : percentile });
      }
    }
  }
  out.push(
    { runtime: 'wasm', mode: 'density', metric: 'instances_per_gib', median: 5200, n: 3, tags: { view: 'instances', source: 'pss' } },
    { runtime: 'wasm', mode: 'density', metric: 'instances_per_gib', median: 9100, n: 3, tags: { view: 'instances', source: 'memavailable' } },
    { runtime: 'container', variant: 'native', mode: 'density', metric: 'instances_per_gib', median: 150, n: 3, tags: { view: 'instances', source: 'pss' } },
    { runtime: 'pool', variant: 'node', mode: 'density', metric: 'instances_per_gib', median: 40, n: 3, tags: { view: 'instances', source: 'pss' } },
    { runtime: 'wasm', mode: 'density', metric: 'instances_count', median: 2600, n: 3, tags: { view: 'instances', stop: 'budget' } },
    { runtime: 'pool', variant: 'node', mode: 'density', metric: 'idle_pss_bytes', median: 42_000_000, n: 3 },
  );
  return out;
}

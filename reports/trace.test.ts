// The trace report: points from results rows, the Pareto front, who wins at which
// value of an avoided cold start (pinned break-evens), the Markdown and the chart.

import { describe, expect, it } from 'vitest';
import type { RunResults } from '../model/results/reader.js';
import type { SampleRow } from '../model/results/schema.js';
import { paretoFront, traceCharts, traceMarkdown, tracePoints, winnersByValue, type TracePoint } from './trace.js';

const GiB_KiB = 2 ** 20;
const prices = { gibSecondUsd: 0.00001, requestUsd: 0 };

function cell(
  runtime: string,
  variant: string,
  policy: string,
  o: { invocations: number; cold: number; gibS: number; latencies: number[] },
): SampleRow[] {
  const tags = { policy };
  const row = (metric: string, value: number): SampleRow => ({
    type: 'sample',
    workload: 'hello',
    variant,
    runtime,
    mode: 'trace',
    phase: 'total',
    metric,
    value,
    ok: true,
    tags,
  });
  return [
    ...o.latencies.map((v, i): SampleRow => ({
      ...row('trace_latency_ns', v),
      iteration: i,
      tags: { policy, start: i < o.cold ? 'cold' : 'warm' },
    })),
    row('trace_invocations_count', o.invocations),
    row('trace_cold_starts_count', o.cold),
    row('trace_failed_count', 0),
    row('trace_late_count', 0),
    row('trace_memory_busy_kib_s', Math.round(o.gibS * GiB_KiB * 0.1)),
    row('trace_memory_idle_kib_s', Math.round(o.gibS * GiB_KiB * 0.9)),
    row('trace_instance_ms', 3_600_000),
    row('trace_cost_nusd', Math.round(o.gibS * prices.gibSecondUsd * 1e9)),
  ];
}

function results(samples: SampleRow[]): RunResults {
  return {
    file: 'x.jsonl',
    header: {
      type: 'header',
      schema: 1,
      runId: 'r',
      startedAt: '',
      command: [],
      git: { commit: null, dirty: null },
      machine: { fingerprint: '', hostname: '', cpuModel: '', cores: 2, memoryBytes: 0, os: '', kernel: '', arch: '' },
      versions: {},
      flags: [],
      seed: 1,
      config: { trace: { ...prices, functions: 100, hours: 1, seed: 1, maxPerMinute: 6, compress: 12 } },
    },
    samples,
    events: [],
    end: null,
    warnings: [],
  };
}

// 1000 invocations each. lambda:0 every one cold, 1 GiB-s; lambda:10m 100 cold, 11 GiB-s;
// pool:4 10 cold, 1001 GiB-s; pool:1 300 cold, 50 GiB-s (dominated by lambda:10m); wasm fresh 20 cold, 2 GiB-s.
const run = results([
  ...cell('lambda', 'node', 'lambda:0', { invocations: 1000, cold: 1000, gibS: 1, latencies: [50e6, 60e6, 70e6] }),
  ...cell('lambda', 'node', 'lambda:10m', { invocations: 1000, cold: 100, gibS: 11, latencies: [1e6, 2e6, 60e6] }),
  ...cell('lambda', 'node', 'pool:4', { invocations: 1000, cold: 10, gibS: 1001, latencies: [1e6] }),
  ...cell('lambda', 'node', 'pool:1', { invocations: 1000, cold: 300, gibS: 50, latencies: [1e6] }),
  ...cell('wasm', 'wasm', 'fresh', { invocations: 1000, cold: 20, gibS: 2, latencies: [300e3, 400e3] }),
]);

describe('trace report', () => {
  const points = tracePoints([run]).get('hello')!.points;
  const by = (policy: string) => points.find((p) => p.policy === policy)!;

  it('reads one point per runtime × policy from the rows', () => {
    expect(points).toHaveLength(5);
    expect(by('lambda:10m')).toMatchObject({
      runtime: 'lambda',
      invocations: 1000,
      coldStarts: 100,
      coldRate: 0.1,
      p50Ns: 2e6,
    });
    expect(by('lambda:10m').busyGibS + by('lambda:10m').idleGibS).toBeCloseTo(11, 5);
    expect(by('fresh').instanceHours).toBe(1);
  });

  it('finds the Pareto front: nothing else has both fewer cold starts and less memory', () => {
    expect(paretoFront(points).map((p) => p.policy)).toEqual(['lambda:0', 'fresh', 'pool:4']);
    // without the Wasm runtime, lambda:10m is on it
    expect(paretoFront(points.filter((p) => p.runtime === 'lambda')).map((p) => p.policy)).toEqual([
      'lambda:0',
      'lambda:10m',
      'pool:4',
    ]);
  });

  it('gives the cheapest policy for every value of an avoided cold start, with exact break-evens', () => {
    const w = winnersByValue(points, prices);
    // memory cost: lambda:0 1e-5, fresh 2e-5, pool:4 1.001e-2 USD
    // lambda:0 → fresh where 1e-5 + 1000 v = 2e-5 + 20 v: v = 1e-5 / 980
    // fresh → pool:4 where 2e-5 + 20 v = 1.001e-2 + 10 v: v = 9.99e-4
    expect(w.map((s) => s.point.policy)).toEqual(['lambda:0', 'fresh', 'pool:4']);
    expect(w[0]!.fromUsd).toBe(0);
    expect(w[0]!.toUsd).toBeCloseTo(1e-5 / 980, 12);
    expect(w[1]!.toUsd).toBeCloseTo(9.99e-4, 9);
    expect(w[2]!.toUsd).toBe(Infinity);
    // one point: it wins everywhere
    expect(winnersByValue([by('fresh')], prices)).toEqual([{ fromUsd: 0, toUsd: Infinity, point: by('fresh') }]);
  });

  it('writes a Markdown section with the table, the front and the winners', () => {
    const md = traceMarkdown([run]);
    expect(md).toContain('## Trace-driven load');
    expect(md).toContain('replayed 12× compressed');
    expect(md).toMatch(/\| lambda \| node \| lambda:10m \| 1000 \| 10\.0 % \| 2\.0 ms \|/);
    expect(md).toContain(
      'Pareto front (no other policy has both fewer cold starts and less memory): lambda/node lambda:0, wasm/wasm fresh, lambda/node pool:4.',
    );
    expect(md).toContain(
      'up to $1.0e-8 (0.0010 GiB-s) per avoided cold start, lambda/node lambda:0 is cheapest; from $1.0e-8 to $0.0010, wasm/wasm fresh; above $0.0010 (99.9 GiB-s), lambda/node pool:4.',
    );
    expect(traceMarkdown([results([])])).toBe('');
  });

  it('draws the Pareto chart per workload', () => {
    const [chart, ...more] = traceCharts([run], new Map([['wasm', '#123456']]));
    expect(more).toEqual([]);
    expect(chart!.id).toBe('trace-pareto-hello');
    const values = (chart!.spec.data as { values: Array<{ policy: string; front: boolean; cold: number }> }).values;
    expect(
      values
        .filter((v) => v.front)
        .map((v) => v.policy)
        .sort(),
    ).toEqual(['fresh', 'lambda:0', 'pool:4']);
    expect(values.find((v) => v.policy === 'lambda:10m')!.cold).toBeCloseTo(10, 9);
    expect(chart!.caption).toContain('pool:4');
  });
});

export type { TracePoint };

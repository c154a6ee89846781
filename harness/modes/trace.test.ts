// `-m trace` end to end through the run loop, on the real reference Wasm runtime and
// the Lambda-style runtime: one cell per fitting policy, every invocation a checked
// row from its scheduled arrival, the per-policy totals, the trace settings (with the
// compression) in the header, and pre-warming paying in idle memory for the cold
// starts it avoids.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../../model/results/reader.js';
import type { SampleRow } from '../../model/results/schema.js';
import { resolveWorkloads } from '../../model/workload.js';
import { TRACE_DEFAULTS, type TraceOptions } from '../options.js';
import { createProgress } from '../progress.js';
import { runBenchmark } from '../run.js';
import { RUNTIMES } from '../runtimes.js';
import { invocationCount } from '../trace/types.js';
import { loadTrace } from './trace.js';

const out = mkdtempSync(join(tmpdir(), 'faasbench-trace-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// 6 functions, 6 minutes of trace (24 invocations with seed 1), replayed in 3 s.
const trace: TraceOptions = {
  ...TRACE_DEFAULTS,
  functions: 6,
  hours: 0.1,
  seed: 1,
  compress: 120,
  policies: ['fresh', 'lambda:1m', 'pool:1'],
};

const total = (rows: SampleRow[], policy: string, metric: string) =>
  rows.find((r) => r.tags?.policy === policy && r.metric === metric && r.phase === 'total')!.value;

describe('trace mode', () => {
  it('replays the trace per runtime and fitting policy, every response checked, with totals per policy', async () => {
    const hello = resolveWorkloads(['hello'])[0]!;
    const invocations = invocationCount(loadTrace(trace));
    expect(invocations).toBe(24);
    const outcome = await runBenchmark(
      {
        workloads: [hello],
        runtimes: RUNTIMES.filter((r) => r.id === 'wasm' || r.id === 'lambda'),
        modes: ['trace'],
        variants: ['wasm', 'node'],
        iterations: 1,
        warmup: 0,
        seed: 1,
        outDir: out,
        command: ['test'],
        modeOptions: { trace },
      },
      createProgress({ quiet: true }),
      new AbortController().signal,
    );
    const run = readResults(outcome.resultsFile)[0]!;
    expect((run.header.config.trace as TraceOptions).compress).toBe(120);
    const rows = run.samples.filter((s) => s.mode === 'trace');
    // wasm runs `fresh` only, lambda the other two
    const cells = new Set(rows.map((r) => `${r.runtime} ${r.tags?.policy}`));
    expect([...cells].sort()).toEqual(['lambda lambda:1m', 'lambda pool:1', 'wasm fresh']);
    for (const cell of cells) {
      const [runtime, policy] = cell.split(' ') as [string, string];
      const mine = rows.filter((r) => r.runtime === runtime && r.tags?.policy === policy);
      const latencies = mine.filter((r) => r.metric === 'trace_latency_ns' && r.phase === 'total');
      expect(latencies).toHaveLength(invocations);
      expect(latencies.every((r) => r.ok && r.value > 0)).toBe(true);
      expect(total(mine, policy, 'trace_invocations_count')).toBe(invocations);
      expect(total(mine, policy, 'trace_failed_count')).toBe(0);
      expect(total(mine, policy, 'trace_cold_starts_count')).toBe(
        latencies.filter((r) => r.tags?.start === 'cold').length,
      );
      expect(total(mine, policy, 'trace_memory_assumed_count')).toBe(0);
      expect(total(mine, policy, 'trace_cost_nusd')).toBeGreaterThan(0);
    }
    const lambda = rows.filter((r) => r.runtime === 'lambda');
    // 3 of the 6 functions are invoked: lambda:1m cold-starts each at least once; the pool pre-warmed all 6 and never waits
    expect(total(lambda, 'lambda:1m', 'trace_cold_starts_count')).toBeGreaterThanOrEqual(3);
    expect(total(lambda, 'pool:1', 'trace_cold_start_ppm')).toBeLessThan(
      total(lambda, 'lambda:1m', 'trace_cold_start_ppm'),
    );
    expect(total(lambda, 'pool:1', 'trace_prewarm_ns')).toBeGreaterThan(0);
    expect(total(lambda, 'pool:1', 'trace_peak_instances_count')).toBeGreaterThanOrEqual(6);
    // ...and pays for it in memory held idle
    expect(total(lambda, 'pool:1', 'trace_memory_idle_kib_s')).toBeGreaterThan(
      total(lambda, 'lambda:1m', 'trace_memory_idle_kib_s'),
    );
    // the Wasm app per function: cold once per invoked function
    expect(
      total(
        rows.filter((r) => r.runtime === 'wasm'),
        'fresh',
        'trace_cold_starts_count',
      ),
    ).toBe(3);
  });
});

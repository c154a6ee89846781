// The run loop on an in-memory adapter: interleaving, the per-cell time budget and
// the results it writes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { createProgress } from './progress.js';
import { readResults } from './results/reader.js';
import { runBenchmark } from './run.js';
import type { RuntimeEntry } from './runtimes.js';
import { loadWorkload } from './workloads.js';

const hello = loadWorkload(new URL('../workloads/hello', import.meta.url).pathname);
const out = mkdtempSync(join(tmpdir(), 'faasbench-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Answers hello's expected response after `delayMs`, as a fresh instance per start. */
function inMemoryAdapter(id: string, delayMs: number): RuntimeEntry {
  const expect = hello.requests[0]!.expect;
  const adapter: RuntimeAdapter = {
    id, description: 'in-memory test runtime',
    capabilities: () => ({ variants: ['node'], modes: ['cold'], freshInstancePerRequest: false }),
    available: async () => ({ ok: true }),
    prepare: async (workload, variant) => ({ runtime: id, workload, variant }),
    start: async (deployment) => ({ instance: { id: `${id}-i`, deployment }, phases: [{ phase: 'start', ns: 1000 }] }),
    invoke: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return { response: { status: 200, headers: { ...expect.headers }, body: Buffer.from(expect.body ?? '') }, totalNs: delayMs * 1e6, phases: [] };
    },
    stop: async () => {},
    dispose: async () => {},
    runReport: () => [{ workload: 'hello', variant: 'node', metric: 'idle_byte_seconds', value: 42, tags: { pool_size: 2 } }],
  };
  return { id, default: true, create: async () => adapter };
}

async function run(runtimes: RuntimeEntry[], extra: { cellBudgetMs?: number; minIterations?: number }) {
  const outcome = await runBenchmark(
    { workloads: [hello], runtimes, modes: ['cold'], iterations: 20, warmup: 1, seed: 7, outDir: out, command: ['test'], ...extra },
    createProgress({ quiet: true }),
    new AbortController().signal,
  );
  return readResults(outcome.resultsFile)[0]!;
}

describe('run loop', () => {
  it('takes every sample of every cell, interleaved, without a budget', async () => {
    const results = await run([inMemoryAdapter('fast', 0), inMemoryAdapter('slow', 2)], {});
    const totals = results.samples.filter((s) => s.mode === 'cold' && s.phase === 'total');
    expect(totals.filter((s) => s.runtime === 'fast')).toHaveLength(20);
    expect(totals.filter((s) => s.runtime === 'slow')).toHaveLength(20);
    expect(totals.every((s) => s.ok)).toBe(true);
    // Interleaved: the slow runtime's samples are not all after the fast one's.
    const order = totals.map((s) => s.runtime);
    expect(order.lastIndexOf('fast')).toBeGreaterThan(order.indexOf('slow'));
    // What each adapter measured of itself is written once, as mode 'idle'.
    expect(results.samples.filter((s) => s.mode === 'idle').map((s) => [s.runtime, s.metric, s.value])).toEqual([
      ['fast', 'idle_byte_seconds', 42],
      ['slow', 'idle_byte_seconds', 42],
    ]);
  });

  it('stops a cell whose time budget is spent once it has its minimum samples, and says so', async () => {
    // Every sample of 'slow' takes ≥ 5 ms, so a 1 ms budget is spent after one.
    const results = await run([inMemoryAdapter('fast', 0), inMemoryAdapter('slow', 5)], { cellBudgetMs: 1, minIterations: 3 });
    const totals = results.samples.filter((s) => s.mode === 'cold' && s.phase === 'total');
    expect(totals.filter((s) => s.runtime === 'slow')).toHaveLength(3);
    expect(results.events.some((e) => e.runtime === 'slow' && /time budget/.test(e.message))).toBe(true);
  });
});

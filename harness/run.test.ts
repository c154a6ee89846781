// The run loop on an in-memory adapter: interleaving, the per-cell time budget and
// the results it writes.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { createProgress, type Progress } from './progress.js';
import { readResults } from '../model/results/reader.js';
import { runBenchmark } from './run.js';
import type { RuntimeEntry } from './runtimes.js';
import { loadWorkload } from '../model/workload.js';

const hello = loadWorkload(new URL('../workloads/hello', import.meta.url).pathname);
const out = mkdtempSync(join(tmpdir(), 'faasbench-run-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Answers hello's expected response after `delayMs`, as a fresh instance per start. */
function inMemoryAdapter(id: string, delayMs: number, disposed?: string[]): RuntimeEntry {
  const expect = hello.requests[0]!.expect;
  const adapter: RuntimeAdapter = {
    id,
    description: 'in-memory test runtime',
    capabilities: () => ({ variants: ['node'], modes: ['cold'], freshInstancePerRequest: false }),
    available: async () => ({ ok: true }),
    prepare: async (workload, variant) => ({ runtime: id, workload, variant }),
    start: async (deployment) => ({ instance: { id: `${id}-i`, deployment }, phases: [{ phase: 'start', ns: 1000 }] }),
    invoke: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return {
        response: { status: 200, headers: { ...expect.headers }, body: Buffer.from(expect.body ?? '') },
        totalNs: delayMs * 1e6,
        phases: [],
      };
    },
    stop: async () => {},
    dispose: async () => {
      disposed?.push(id);
    },
    runReport: () => [
      { workload: 'hello', variant: 'node', metric: 'idle_byte_seconds', value: 42, tags: { pool_size: 2 } },
    ],
  };
  return { id, default: true, create: async () => adapter };
}

async function run(runtimes: RuntimeEntry[], extra: { cellBudgetMs?: number; minIterations?: number }) {
  const outcome = await runBenchmark(
    {
      workloads: [hello],
      runtimes,
      modes: ['cold'],
      iterations: 20,
      warmup: 1,
      seed: 7,
      outDir: out,
      command: ['test'],
      ...extra,
    },
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
    const results = await run([inMemoryAdapter('fast', 0), inMemoryAdapter('slow', 5)], {
      cellBudgetMs: 1,
      minIterations: 3,
    });
    const totals = results.samples.filter((s) => s.mode === 'cold' && s.phase === 'total');
    expect(totals.filter((s) => s.runtime === 'slow')).toHaveLength(3);
    expect(results.events.some((e) => e.runtime === 'slow' && /time budget/.test(e.message))).toBe(true);
  });
});

describe('cell labels of a runtime with series', () => {
  it('name the series in words in the progress line and in messages', async () => {
    const base = inMemoryAdapter('series', 0);
    const entry: RuntimeEntry = {
      ...base,
      create: async (config) => {
        const a = await base.create(config);
        return {
          ...a,
          // The first series' every sample fails its check, so its label shows in a message too.
          prepareSeries: async (workload, variant) => [
            { runtime: 'series', workload, variant, tags: { preinit: 'wizer', reuse: 128 } },
            { runtime: 'series', workload, variant, tags: { preinit: 'plain', reuse: 1 }, bad: true },
          ],
          invoke: async (instance, request) => {
            const r = await a.invoke(instance, request);
            return (instance.deployment as { bad?: boolean }).bad
              ? { ...r, response: { ...r.response, status: 500 } }
              : r;
          },
        };
      },
    };
    const labels = new Set<string>();
    const logs: string[] = [];
    const progress: Progress = {
      update: (_d, _t, label) => labels.add(label),
      log: (m) => logs.push(m),
      done: () => {},
    };
    await runBenchmark(
      {
        workloads: [hello],
        runtimes: [entry],
        modes: ['cold'],
        iterations: 2,
        warmup: 0,
        seed: 1,
        outDir: out,
        command: ['test'],
      },
      progress,
      new AbortController().signal,
    );
    expect([...labels].sort()).toEqual([
      'series/hello/node [plain, reuse 1]/instance',
      'series/hello/node [wizer, reuse 128]/instance',
    ]);
    expect(logs.some((l) => l.startsWith('sample failed: series/hello/node [plain, reuse 1]/instance: '))).toBe(true);
  });
});

describe('a run that cannot start', () => {
  it('refuses an --out that is a file before it starts any runtime', async () => {
    const created: string[] = [];
    const watched: RuntimeEntry = {
      id: 'fast',
      default: true,
      create: async () => {
        created.push('fast');
        return inMemoryAdapter('fast', 0).create();
      },
    };
    const file = join(out, 'a-file');
    writeFileSync(file, '');
    await expect(
      runBenchmark(
        {
          workloads: [hello],
          runtimes: [watched],
          modes: ['cold'],
          iterations: 1,
          warmup: 0,
          seed: 1,
          outDir: file,
          command: ['test'],
        },
        createProgress({ quiet: true }),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/results directory .*a-file is a regular file, not a directory/);
    expect(created).toEqual([]);
  });

  it('disposes every adapter it created (available or not) when the run fails before sampling', async () => {
    // An adapter holds worker threads, servers or timers: one left undisposed kept the process from ever exiting.
    const disposed: string[] = [];
    const unavailable: RuntimeEntry = {
      id: 'gone',
      default: true,
      create: async () => ({
        ...(await inMemoryAdapter('gone', 0, disposed).create()),
        available: async () => ({ ok: false, reason: 'not here' }),
      }),
    };
    const broken: RuntimeEntry = {
      id: 'broken',
      default: true,
      create: async () => ({
        ...(await inMemoryAdapter('broken', 0, disposed).create()),
        describeVersions: async () => {
          throw new Error('engine went away');
        },
      }),
    };
    await expect(
      runBenchmark(
        {
          workloads: [hello],
          runtimes: [inMemoryAdapter('fast', 0, disposed), unavailable, broken],
          modes: ['cold'],
          iterations: 1,
          warmup: 0,
          seed: 1,
          outDir: mkdtempSync(join(out, 'broken-')),
          command: ['test'],
        },
        createProgress({ quiet: true }),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/engine went away/);
    expect(disposed.sort()).toEqual(['broken', 'fast', 'gone']);
  });

  it('disposes the adapters it created when none is available', async () => {
    const disposed: string[] = [];
    const unavailable: RuntimeEntry = {
      id: 'gone',
      default: true,
      create: async () => ({
        ...(await inMemoryAdapter('gone', 0, disposed).create()),
        available: async () => ({ ok: false, reason: 'not here' }),
      }),
    };
    const dir = mkdtempSync(join(out, 'none-'));
    await expect(
      runBenchmark(
        {
          workloads: [hello],
          runtimes: [unavailable],
          modes: ['cold'],
          iterations: 1,
          warmup: 0,
          seed: 1,
          outDir: dir,
          command: ['test'],
        },
        createProgress({ quiet: true }),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/no runtime is available \(gone: not here\)/);
    expect(disposed).toEqual(['gone']);
    expect(readdirSync(dir)).toEqual([]);
  });
});

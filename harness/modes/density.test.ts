// Density on the reference Wasm runtime with a small count, and its row builder.

import { describe, expect, it } from 'vitest';
import { referenceWasmAdapter } from '../../runtimes/wasm/adapter.js';
import type { Instance, RuntimeAdapter } from '../../runtimes/types.js';
import { pickRequest } from '../run.js';
import { resolveWorkloads } from '../../model/workload.js';
import { resolveModeOptions, withModeOptions, type DensityOptions } from '../options.js';
import { batchSize, densityMode, densityRows } from './density.js';

async function densityOf(adapter: RuntimeAdapter, density: Partial<DensityOptions>) {
  const workload = resolveWorkloads(['hello'])[0]!;
  const warnings: string[] = [];
  const [cell] = densityMode.cells({
    adapter,
    workload,
    variant: 'wasm',
    deployment: await adapter.prepare(workload, 'wasm'),
    request: pickRequest(workload),
    options: withModeOptions(resolveModeOptions({ iterations: 1, warmup: 0 }), { density }),
    warn: (m) => warnings.push(m),
  });
  expect(cell!.rounds).toBe(1);
  await cell!.setup();
  const rows = await cell!.sample(0);
  await cell!.teardown();
  return { rows, warnings };
}

describe('density mode', () => {
  it('deploys wasm apps in batches up to the count, all answering, then stops every one', async () => {
    // Held as any runtime is (the harness's view: instances of unknown state).
    const base: RuntimeAdapter = referenceWasmAdapter();
    const started: Instance[] = [];
    const stopped = new Set<string>();
    const adapter: RuntimeAdapter = Object.assign(Object.create(base) as RuntimeAdapter, {
      start: async (d: Parameters<RuntimeAdapter['start']>[0]) => {
        const r = await base.start(d);
        started.push(r.instance);
        return r;
      },
      stop: async (i: Instance) => {
        stopped.add(i.id);
        await base.stop(i);
      },
    });
    try {
      const { rows } = await densityOf(adapter, { maxInstances: 12, batch: 5 });
      const total = rows.filter((r) => r.phase === 'total');
      expect(total.find((r) => r.metric === 'instances_count')).toMatchObject({
        value: 12,
        ok: true,
        tags: { view: 'apps', stop: 'count' },
      });
      expect(rows.find((r) => r.metric === 'answering_count')!.value).toBe(12);
      expect(rows.filter((r) => r.metric === 'deploy_batch_ns').map((r) => r.tags)).toEqual([
        { view: 'apps', batch: 0, size: 5 },
        { view: 'apps', batch: 1, size: 5 },
        { view: 'apps', batch: 2, size: 2 },
      ]);
      expect(rows.filter((r) => r.metric === 'deploy_batch_ns').every((r) => r.value > 0 && r.ok)).toBe(true);
      const sources = rows
        .filter((r) => r.metric === 'memory_delta_bytes' && r.phase === 'memory')
        .map((r) => r.tags?.['source']);
      // The runtime serves from its own process: its memory comes from adapter.usage() (/proc of the serve process), not this process's heap.
      expect(sources).toEqual(expect.arrayContaining(['rss', 'pss', 'memavailable']));
      expect(
        rows.find((r) => r.phase === 'memory' && r.metric === 'memory_delta_bytes' && r.tags?.['source'] === 'rss')
          ?.tags?.['scope'],
      ).toBe('instances');
      for (const r of total.filter((x) => x.metric === 'instances_per_gib')) expect(r.value).toBeGreaterThan(0);
      // 1 warm-up instance + 12 measured; every one stopped.
      expect(started.length).toBe(13);
      expect(started.every((i) => stopped.has(i.id))).toBe(true);
    } finally {
      await base.dispose();
    }
  });

  it('stops at the first failed start and records why, still cleaning up', async () => {
    // Held as any runtime is (the harness's view: instances of unknown state).
    const base: RuntimeAdapter = referenceWasmAdapter();
    let n = 0;
    const adapter: RuntimeAdapter = Object.assign(Object.create(base) as RuntimeAdapter, {
      start: async (d: Parameters<RuntimeAdapter['start']>[0]) => {
        if (++n > 4) throw new Error('out of slots');
        return base.start(d);
      },
    });
    try {
      const { rows, warnings } = await densityOf(adapter, { maxInstances: 50, batch: 10 });
      expect(rows.find((r) => r.phase === 'total' && r.metric === 'instances_count')).toMatchObject({
        value: 3,
        ok: true,
        tags: { stop: 'failure' },
      });
      expect(warnings.join('\n')).toMatch(/stopped at 3: start of instance 4 failed: out of slots/);
    } finally {
      await base.dispose();
    }
  });
});

describe('density rows', () => {
  it('turns memory growth into instances per GiB and bytes per instance', () => {
    const rows = densityRows({
      view: 'instances',
      stop: 'budget',
      count: 512,
      answering: 512,
      memory: { pss: { bytes: 2 ** 29, scope: 'instances' }, rss: { bytes: -5, scope: 'instances' } },
    });
    expect(rows.find((r) => r.metric === 'instances_per_gib')).toMatchObject({
      value: 1024,
      ok: true,
      tags: { view: 'instances', source: 'pss' },
    });
    expect(rows.find((r) => r.metric === 'memory_per_instance_bytes')).toMatchObject({ value: 2 ** 20 });
    expect(rows.filter((r) => r.metric === 'instances_per_gib').length).toBe(1); // no figure from a negative delta
  });
  it('is not ok when some instances stopped answering', () => {
    const rows = densityRows({ view: 'apps', stop: 'count', count: 10, answering: 9, memory: {} });
    expect(rows[0]).toMatchObject({ ok: false, error: '1 of 10 instances did not answer correctly at the end' });
  });
  it('has bounded defaults', () => {
    const d = resolveModeOptions({ iterations: 1, warmup: 0 }).density;
    expect(d).toMatchObject({ budgetBytes: 2 * 2 ** 30, maxInstances: 1000, batch: 0 });
    expect(resolveModeOptions({ iterations: 1, warmup: 0 }, { budgetMiB: 64, maxInstances: 7 }).density).toMatchObject({
      budgetBytes: 64 * 2 ** 20,
      maxInstances: 7,
      batch: 0,
    });
    // Batches double from 1 up to a tenth of the maximum.
    expect(Array.from({ length: 10 }, (_, n) => batchSize(d, n))).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);
    expect(batchSize({ batch: 5, maxInstances: 1000 }, 7)).toBe(5);
  });
});

// Density on the reference Wasm runtime with a small count: one ramp, its repetitions
// (independent figures, nothing alive between them, the time limit over all of them),
// the option's resolution, and the row builder.

import { describe, expect, it } from 'vitest';
import { referenceWasmAdapter } from '../../runtimes/wasm/adapter.js';
import type { Instance, RuntimeAdapter } from '../../runtimes/types.js';
import { pickRequest } from '../run.js';
import { resolveWorkloads } from '../../model/workload.js';
import { resolveModeOptions, withModeOptions, type DensityOptions } from '../options.js';
import { batchSize, densityMode, densityRows, repetitionShareMs } from './density.js';

/**
 * Every round of one density cell, as the run loop takes them (setup, sample 0, 1, …,
 * teardown); `afterSample` sees the state between rounds, where the run loop would
 * sample the other runtimes' cells.
 */
async function densityOf(
  adapter: RuntimeAdapter,
  density: Partial<DensityOptions>,
  afterSample: (iteration: number) => void = () => {},
) {
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
  expect(cell!.rounds).toBe(density.repeats ?? 3);
  await cell!.setup();
  const rows = [];
  for (let i = 0; i < cell!.rounds; i++) {
    rows.push(...(await cell!.sample(i)));
    afterSample(i);
  }
  await cell!.teardown();
  return { rows, warnings };
}

/**
 * The host's own state stays on the adapter itself: a wrapper made with Object.create
 * would otherwise take freshHost()'s writes (this.proc = null) as its own properties
 * and read a serve process the adapter no longer has.
 */
function hostOf(base: RuntimeAdapter): Partial<RuntimeAdapter> {
  return base.freshHost ? { freshHost: () => base.freshHost!() } : {};
}

/** The reference runtime with its start, stop and usage observed or replaced (held as any runtime is: instances of unknown state). */
function wrapped(
  base: RuntimeAdapter,
  over: Partial<Pick<RuntimeAdapter, 'start' | 'stop' | 'usage'>>,
): RuntimeAdapter {
  return Object.assign(Object.create(base) as RuntimeAdapter, hostOf(base), over);
}

describe('density mode', () => {
  it('deploys wasm apps in batches up to the count, all answering, then stops every one', async () => {
    // Held as any runtime is (the harness's view: instances of unknown state).
    const base: RuntimeAdapter = referenceWasmAdapter();
    const started: Instance[] = [];
    const stopped = new Set<string>();
    const adapter: RuntimeAdapter = Object.assign(Object.create(base) as RuntimeAdapter, hostOf(base), {
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
      const { rows } = await densityOf(adapter, { maxInstances: 12, batch: 5, repeats: 1 });
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
    const adapter: RuntimeAdapter = Object.assign(Object.create(base) as RuntimeAdapter, hostOf(base), {
      start: async (d: Parameters<RuntimeAdapter['start']>[0]) => {
        if (++n > 4) throw new Error('out of slots');
        return base.start(d);
      },
    });
    try {
      const { rows, warnings } = await densityOf(adapter, { maxInstances: 50, batch: 10, repeats: 1 });
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

describe('density repetitions', () => {
  it('three full ramps by default, each from zero and back, each with its own figure per memory source', async () => {
    const base: RuntimeAdapter = referenceWasmAdapter();
    const alive = new Set<string>();
    let starts = 0;
    let repetition = 0;
    const aliveBetween: number[] = [];
    // Each repetition's instances report a different size (1, 2, 3 MiB): each figure must come from its own ramp.
    const adapter = wrapped(base, {
      start: async (d) => {
        const r = await base.start(d);
        starts++;
        alive.add(r.instance.id);
        return r;
      },
      stop: async (i) => {
        alive.delete(i.id);
        await base.stop(i);
      },
      usage: async () => ({ rssBytes: (repetition + 1) * 2 ** 20, pssBytes: (repetition + 1) * 2 ** 19 }),
    });
    try {
      const { rows, warnings } = await densityOf(adapter, { maxInstances: 4, batch: 2 }, () => {
        aliveBetween.push(alive.size);
        repetition++;
      });
      expect(warnings.filter((w) => /repetitions done/.test(w))).toEqual([]);
      // Nothing of this runtime is alive between repetitions, where the run loop samples the others.
      expect(aliveBetween).toEqual([0, 0, 0]);
      // 3 × (1 warm-up start + 4 measured), every one stopped.
      expect(starts).toBe(15);
      const perGib = (source: string) =>
        rows
          .filter((r) => r.phase === 'total' && r.metric === 'instances_per_gib' && r.tags?.['source'] === source)
          .map((r) => [r.iteration, r.value]);
      expect(perGib('rss')).toEqual([
        [0, 1024],
        [1, 512],
        [2, 341],
      ]);
      expect(perGib('pss')).toEqual([
        [0, 2048],
        [1, 1024],
        [2, 683],
      ]);
      // Every row names its repetition; each repetition counts its own instances from zero.
      expect(new Set(rows.map((r) => r.iteration))).toEqual(new Set([0, 1, 2]));
      expect(
        rows.filter((r) => r.phase === 'total' && r.metric === 'instances_count').map((r) => [r.iteration, r.value]),
      ).toEqual([
        [0, 4],
        [1, 4],
        [2, 4],
      ]);
      expect(rows.filter((r) => r.metric === 'deploy_batch_ns').map((r) => [r.iteration, r.tags?.['batch']])).toEqual([
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
        [2, 0],
        [2, 1],
      ]);
    } finally {
      await base.dispose();
    }
  });

  it('the time limit covers every repetition: when it is spent, fewer repetitions, and a warning says how many', async () => {
    const base: RuntimeAdapter = referenceWasmAdapter();
    // Starts take at least 100 ms, so the first instance of a ramp is up 200 ms (warm-up + one start) after it
    // began at the earliest; a 300 ms limit then leaves the second repetition less than that: it is not started.
    const adapter = wrapped(base, {
      start: async (d) => {
        await new Promise((r) => setTimeout(r, 100));
        return base.start(d);
      },
    });
    try {
      const { rows, warnings } = await densityOf(adapter, { maxInstances: 1000, batch: 1, timeLimitMs: 300 });
      const totals = rows.filter((r) => r.phase === 'total' && r.metric === 'instances_count');
      expect(totals.map((r) => r.iteration)).toEqual([0]);
      // A repetition that runs deploys at least one instance, however little of the limit it has.
      expect(totals[0]).toMatchObject({ ok: true, tags: { stop: 'time' } });
      expect(totals[0]!.value).toBeGreaterThanOrEqual(1);
      expect(warnings.filter((w) => /repetitions done/.test(w))).toHaveLength(1);
      expect(warnings.join('\n')).toMatch(/density: 1 of 3 repetitions done, the 0.3 s time limit spent/);
    } finally {
      await base.dispose();
    }
  });

  it('starts every ramp from a fresh host: a serve process shared by the apps is replaced between ramps, never while one is live', async () => {
    const served = referenceWasmAdapter();
    const base: RuntimeAdapter = served;
    const pids: Array<number | undefined> = [];
    const adapter = wrapped(base, {
      start: async (d: Parameters<RuntimeAdapter['start']>[0]) => {
        const r = await base.start(d);
        pids.push(served.pid());
        return r;
      },
    });
    try {
      const { rows } = await densityOf(adapter, { maxInstances: 2, batch: 2, repeats: 3 });
      const counts = rows.filter((r) => r.phase === 'total' && r.metric === 'instances_count');
      expect(counts.map((r) => r.value)).toEqual([2, 2, 2]);
      // Each ramp: one warm-up start, then its 2 apps, all in one serve process; the next ramp a new one.
      expect(pids).toHaveLength(9);
      const perRamp = [pids.slice(0, 3), pids.slice(3, 6), pids.slice(6, 9)];
      for (const r of perRamp) expect(new Set(r).size).toBe(1);
      expect(new Set(perRamp.map((r) => r[0])).size).toBe(3);
      // With an app live, there is nothing to drop.
      const live = (await base.start(await base.prepare(resolveWorkloads(['hello'])[0]!, 'wasm'))).instance;
      const pid = served.pid();
      await served.freshHost();
      expect(served.pid()).toBe(pid);
      await base.stop(live);
    } finally {
      await base.dispose();
    }
  });

  it("charges an adapter's own processes only: no harness-process figure where usage() reports none", async () => {
    // A runtime serving from processes of its own reports PSS only: the harness's RSS and
    // cgroup growth (the cgroup holds whatever else runs on the host) must not stand in.
    const base = referenceWasmAdapter();
    const adapter = wrapped(base, { usage: async () => ({ pssBytes: 4096 }) });
    try {
      const { rows } = await densityOf(adapter, { maxInstances: 3, batch: 3, repeats: 1 });
      const sources = rows
        .filter((r) => r.phase === 'memory' && r.metric === 'memory_delta_bytes')
        .map((r) => `${r.tags!.source}:${r.tags!.scope}`);
      expect(sources).toContain('pss:instances');
      expect(sources.filter((s) => s.endsWith(':harness-process'))).toEqual([]);
      expect(rows.find((r) => r.metric === 'instances_per_gib' && r.tags!.source === 'pss')!.value).toBe(
        Math.round(2 ** 30 / 4096),
      );
    } finally {
      await base.dispose();
    }
  });

  it('shares: each repetition an equal part of what is left; a later one only if its first instance can be up', () => {
    const share = (spentMs: number, r: number, firstUpMs = 0) =>
      repetitionShareMs({ limitMs: 30_000, spentMs, repeats: 3, r, firstUpMs });
    expect(share(0, 0)).toBe(10_000);
    // The first overran its share (teardown): the others split what is left.
    expect(share(14_000, 1, 500)).toBe(8_000);
    expect(share(24_000, 2, 500)).toBe(6_000);
    // Less left than a first instance took: not started; nothing left: not started.
    expect(share(29_800, 2, 500)).toBeNull();
    expect(share(30_000, 1)).toBeNull();
    // The first repetition always runs, even past the limit (its ramp still deploys one instance).
    expect(share(40_000, 0)).toBe(0);
    expect(share(0, 3)).toBeNull();
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
    expect(d).toMatchObject({
      budgetBytes: 2 * 2 ** 30,
      maxInstances: 1000,
      batch: 0,
      repeats: 3,
      timeLimitMs: 20_000,
    });
    expect(
      resolveModeOptions({ iterations: 1, warmup: 0 }, { budgetMiB: 64, maxInstances: 7, densityRepeats: 5 }).density,
    ).toMatchObject({
      budgetBytes: 64 * 2 ** 20,
      maxInstances: 7,
      batch: 0,
      repeats: 5,
    });
    // Batches double from 1 up to a tenth of the maximum.
    expect(Array.from({ length: 10 }, (_, n) => batchSize(d, n))).toEqual([1, 2, 4, 8, 16, 32, 64, 100, 100, 100]);
    expect(batchSize({ batch: 5, maxInstances: 1000 }, 7)).toBe(5);
  });
});

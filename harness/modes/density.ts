// Density: how many instances (or deployed apps) of one runtime fit in memory.
//
// Starts instances in batches until a memory budget, a failure, a count or a time
// limit is reached, checking after every batch that a sample of them (the newest and
// a few random ones) still answers correctly, and at the end that all of them do.
// Memory is read per source: RSS and PSS (of the harness process for in-process
// runtimes, or the sum of adapter.usage() per instance), cgroup memory, and the drop in
// host MemAvailable; density is instances per GiB for each. The view is 'apps' for
// fresh-instance-per-request runtimes (each start() deploys an app that stays idle,
// ready to serve: the "thousands of apps" claim) and 'instances' for the others.
// Everything started is stopped before the sample returns, whatever happened.
//
// Repeated (DensityOptions.repeats, default 3, `--density-repeats`): each sample is
// one full ramp, from zero instances to the stop and back to zero, so each repetition
// gives its own instances_per_gib per memory source and the headline a median with an
// interval. The repetitions are the cell's rounds, so the run loop interleaves them
// with the other runtimes' as it does every mode's rounds (A B, B A, A B): drift of the
// host's memory touches every runtime alike. Instances of two runtimes are never alive
// at the same time (each sample stops all of its own before returning), or each would
// be charged for the other's memory. Rows carry the repetition as their `iteration`
// (the schema's index of the measurement a row belongs to; older files have 0 only).
//
// Time: DensityOptions.timeLimitMs bounds the whole measurement, every repetition
// together. Each repetition may deploy for an equal share of what is left
// (left ÷ repetitions to go), so a slow runtime (containers, Lambda environments)
// gets all its repetitions, each shorter, rather than one that eats the limit; what a
// repetition overruns (its final check, its teardown) comes out of the later shares.
// A repetition is not started when what is left would not cover the time the earlier
// ones needed to have their first instance up: fewer repetitions, said in a warning.

import type { Instance, MemoryUsage, RuntimeAdapter } from '../../runtimes/types.js';
import { growth, memAvailableBytes, memTotalBytes, snapshot, type MemorySnapshot } from '../load/memory.js';
import { checkResponse } from '../verify.js';
import type { DensityOptions } from '../options.js';
import type { Cell, CellContext, MeasurementMode, SampleOut } from './types.js';

// The options (DensityOptions, defaults) are defined in harness/options.ts and arrive complete in ctx.options.density.

type Source = 'rss' | 'pss' | 'cgroup' | 'memavailable' | 'heap';
const SOURCES: Source[] = ['rss', 'pss', 'cgroup', 'memavailable', 'heap'];

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Sum of adapter.usage() over the instances, per source (null where no instance reported it). */
async function usageSum(
  adapter: RuntimeAdapter,
  instances: readonly Instance[],
): Promise<Partial<Record<Source, number>>> {
  const all = await mapLimit(instances, 8, (i) => adapter.usage!(i).catch((): MemoryUsage => ({})));
  const sum = (k: keyof MemoryUsage) =>
    all.some((u) => u[k] !== undefined) ? all.reduce((s, u) => s + (u[k] ?? 0), 0) : undefined;
  const r: Partial<Record<Source, number>> = {};
  const rss = sum('rssBytes');
  const pss = sum('pssBytes');
  const cg = sum('cgroupBytes');
  if (rss !== undefined) r.rss = rss;
  if (pss !== undefined) r.pss = pss;
  if (cg !== undefined) r.cgroup = cg;
  return r;
}

export type StopReason = 'count' | 'budget' | 'failure' | 'time' | 'host-memory-low' | 'interrupted';

/** Rows for the final state (pure, exported for tests). */
export function densityRows(p: {
  view: string;
  stop: StopReason;
  count: number;
  answering: number;
  memory: Partial<Record<Source, { bytes: number; scope: string }>>;
  error?: string;
  /** The repetition (0-based) these rows belong to. */
  iteration?: number;
}): SampleOut[] {
  const base = { iteration: p.iteration ?? 0 };
  const ok = p.count > 0 && p.answering === p.count;
  const error =
    p.error ??
    (p.count === 0
      ? 'no instance started'
      : p.answering < p.count
        ? `${p.count - p.answering} of ${p.count} instances did not answer correctly at the end`
        : undefined);
  const rows: SampleOut[] = [
    {
      ...base,
      phase: 'total',
      metric: 'instances_count',
      value: p.count,
      ok,
      tags: { view: p.view, stop: p.stop },
      ...(error ? { error } : {}),
    },
    { ...base, phase: 'check', metric: 'answering_count', value: p.answering, ok, tags: { view: p.view } },
  ];
  for (const s of SOURCES) {
    const m = p.memory[s];
    if (!m) continue;
    const tags = { view: p.view, source: s, scope: m.scope };
    rows.push({ ...base, phase: 'memory', metric: 'memory_delta_bytes', value: Math.round(m.bytes), ok: true, tags });
    if (p.count > 0 && m.bytes > 0) {
      rows.push({
        ...base,
        phase: 'memory',
        metric: 'memory_per_instance_bytes',
        value: Math.round(m.bytes / p.count),
        ok: true,
        tags,
      });
      rows.push({
        ...base,
        phase: 'total',
        metric: 'instances_per_gib',
        value: Math.round((p.count * 2 ** 30) / m.bytes),
        ok,
        tags: { view: p.view, source: s },
      });
    }
  }
  return rows;
}

/** Size of batch number `n` (0-based). */
export function batchSize(o: Pick<DensityOptions, 'batch' | 'maxInstances'>, n: number): number {
  if (o.batch > 0) return o.batch;
  return Math.min(2 ** Math.min(n, 30), Math.max(1, Math.ceil(o.maxInstances / 10)));
}

/**
 * How long repetition `r` (0-based) may deploy, in ms, or null when it is not started
 * (pure, exported for tests): an equal share of the time left, `left ÷ (repeats − r)`.
 * The first always runs; a later one only when the time left covers `firstUpMs`, the
 * longest any earlier repetition took to have its first measured instance up (its
 * warm-up start included): less than that could not deploy even one.
 */
export function repetitionShareMs(p: {
  limitMs: number;
  spentMs: number;
  repeats: number;
  r: number;
  firstUpMs: number;
}): number | null {
  const left = p.limitMs - p.spentMs;
  if (p.r >= p.repeats) return null;
  if (p.r > 0 && (left <= 0 || left < p.firstUpMs)) return null;
  return Math.max(0, left) / (p.repeats - p.r);
}

function densityCell(ctx: CellContext): Cell {
  const { adapter, deployment, request } = ctx;
  const o = ctx.options.density;
  const view = adapter.capabilities().freshInstancePerRequest ? 'apps' : 'instances';
  const live: Instance[] = [];
  const stopAll = async () => {
    const all = live.splice(0);
    await mapLimit(all, 8, (i) => adapter.stop(i).catch(() => {}));
  };
  const answers = async (i: Instance): Promise<string | null> => {
    // Nothing runs to answer (simulated nodes): an instance counts once its start said ready.
    if (adapter.capabilities().servesRequests === false) return null;
    try {
      const res = await adapter.invoke(i, request);
      const v = checkResponse(request.expect, res.response);
      return v.ok ? null : v.reason;
    } catch (e) {
      return (e as Error).message;
    }
  };
  // Across repetitions: time spent in this cell's own samples (the other runtimes' samples
  // in between do not count), the longest wait for a first instance, repetitions done.
  let spentMs = 0;
  let firstUpMs = 0;
  let done = 0;
  let cutShort = false;
  /** One full ramp: deploy from zero until a stop, measure, stop everything. `deadline`: epoch ms after which no further start begins. */
  const ramp = async (iteration: number, deadline: number): Promise<SampleOut[]> => {
    const began = Date.now();
    const rows: SampleOut[] = [];
    // Each ramp from a host as fresh as the first one's: a serve process shared by all of a
    // runtime's apps keeps the memory an earlier ramp grew, and its later ramps, reusing
    // it, would read denser than the first (measured: wasm PSS per GiB 10,706 → 12,387).
    await adapter.freshHost?.();
    // One start/stop first, so one-time costs (code loaded, caches) are not charged per instance.
    try {
      const first = (await adapter.start(deployment)).instance;
      await answers(first);
      await adapter.stop(first);
    } catch {
      /* the loop below will meet and record the failure */
    }
    const before: MemorySnapshot = snapshot();
    const total = memTotalBytes();
    let stop: StopReason = 'count';
    let error: string | undefined;
    let batchNo = 0;
    try {
      outer: while (live.length < o.maxInstances) {
        const size = Math.min(batchSize(o, batchNo), o.maxInstances - live.length);
        const b0 = process.hrtime.bigint();
        const had = live.length;
        for (let k = 0; k < size; k++) {
          // A repetition that was started deploys at least one instance: a ramp without one has no figure.
          if (live.length > 0 && Date.now() > deadline) {
            stop = 'time';
            break;
          }
          try {
            live.push((await adapter.start(deployment)).instance);
            if (live.length === 1) firstUpMs = Math.max(firstUpMs, Date.now() - began);
          } catch (e) {
            stop = 'failure';
            error = `start of instance ${live.length + 1} failed: ${(e as Error).message}`;
            break;
          }
        }
        const batchNs = Number(process.hrtime.bigint() - b0);
        const tags = { view, batch: batchNo, size: live.length - had };
        rows.push({
          iteration,
          phase: 'batch',
          metric: 'deploy_batch_ns',
          value: batchNs,
          ok: stop !== 'failure',
          tags,
        });
        rows.push({
          iteration,
          phase: 'batch',
          metric: 'instances_count',
          value: live.length,
          ok: true,
          tags: { view, batch: batchNo },
        });
        batchNo++;
        if (stop === 'failure' || live.length === 0) break;
        // Check the newest and a few random others.
        const picks = new Set<Instance>([live[live.length - 1]!]);
        for (let k = 0; k < o.checkSample && picks.size < live.length; k++)
          picks.add(live[Math.floor(Math.random() * live.length)]!);
        for (const i of picks) {
          const bad = await answers(i);
          if (bad) {
            stop = 'failure';
            error = `instance ${i.id} stopped answering correctly: ${bad}`;
            break outer;
          }
        }
        const now = snapshot();
        const g = growth(before, now);
        for (const s of SOURCES)
          if (g[s] !== null)
            rows.push({
              iteration,
              phase: 'batch',
              metric: 'memory_delta_bytes',
              value: g[s]!,
              ok: true,
              tags: { view, batch: batchNo - 1, source: s },
            });
        let own = Math.max(g.rss ?? 0, g.cgroup ?? 0);
        if (adapter.usage) {
          const u = await usageSum(adapter, live);
          own = Math.max(own, u.rss ?? 0, u.pss ?? 0, u.cgroup ?? 0);
          for (const k of ['rss', 'pss', 'cgroup'] as const)
            if (u[k] !== undefined)
              rows.push({
                iteration,
                phase: 'batch',
                metric: 'memory_bytes',
                value: u[k]!,
                ok: true,
                tags: { view, batch: batchNo - 1, source: k, scope: 'instances' },
              });
        }
        if (own >= o.budgetBytes) {
          stop = 'budget';
          break;
        }
        const avail = memAvailableBytes();
        if (avail !== null && total !== null && avail < total * 0.1) {
          stop = 'host-memory-low';
          break;
        }
        if (Date.now() > deadline) {
          stop = 'time';
          break;
        }
      }
      // Every instance must still answer for the count to stand.
      const answering = (await mapLimit(live, 8, answers)).filter((r) => r === null).length;
      const after = snapshot();
      const g = growth(before, after);
      const memory: Partial<Record<Source, { bytes: number; scope: string }>> = {};
      if (adapter.usage) {
        const u = await usageSum(adapter, live);
        for (const s of ['rss', 'pss', 'cgroup'] as const)
          if (u[s] !== undefined) memory[s] = { bytes: u[s]!, scope: 'instances' };
      }
      // The harness's own growth (and its cgroup's, which on most hosts holds far more than
      // the harness) stands for in-process instances only: an adapter with usage() serves
      // from processes of its own, and a figure it does not report is not filled in from
      // ours, or the headline would compare its instances with everything else running.
      if (!adapter.usage)
        for (const s of ['rss', 'pss', 'cgroup'] as const)
          if (g[s] !== null) memory[s] = { bytes: g[s]!, scope: 'harness-process' };
      // The V8 heap is where in-process instances live; for out-of-process ones it says nothing.
      if (!adapter.usage && g.heap !== null) memory.heap = { bytes: g.heap, scope: 'harness-process' };
      if (g.memavailable !== null) memory.memavailable = { bytes: g.memavailable, scope: 'host' };
      const noisy = SOURCES.filter((s) => memory[s] && memory[s]!.bytes <= 0);
      if (live.length > 0 && noisy.length > 0) {
        ctx.warn(
          `${adapter.id}/${ctx.workload.name} density: no memory growth measured in ${noisy.map((s) => `${s} (${memory[s]!.scope})`).join(', ')} for ${live.length} ${view}: no per-GiB figure from it (host or process figures below the machine's noise: raise --max-instances)`,
        );
      }
      if (stop === 'failure' && live.length > 0)
        ctx.warn(`${adapter.id}/${ctx.workload.name} density stopped at ${live.length}: ${error}`);
      rows.push(
        ...densityRows({
          view,
          stop,
          count: live.length,
          answering,
          memory,
          ...(stop === 'failure' && live.length === 0 && error ? { error } : {}),
          iteration,
        }),
      );
      return rows.map((r) => ({ ...r, request: request.name }));
    } finally {
      await stopAll();
    }
  };
  return {
    label: `${adapter.id}/${ctx.workload.name}/${ctx.variant}/density`,
    rounds: o.repeats,
    async setup() {},
    async sample(iteration) {
      const shareMs = repetitionShareMs({
        limitMs: o.timeLimitMs,
        spentMs,
        repeats: o.repeats,
        r: iteration,
        firstUpMs,
      });
      if (shareMs === null) {
        if (!cutShort) {
          cutShort = true;
          ctx.warn(
            `${adapter.id}/${ctx.workload.name} density: ${done} of ${o.repeats} repetitions done, the ${Number((o.timeLimitMs / 1000).toFixed(1))} s time limit spent (${(spentMs / 1000).toFixed(1)} s; a repetition needed up to ${(firstUpMs / 1000).toFixed(1)} s for its first instance)`,
          );
        }
        return [];
      }
      const t = Date.now();
      try {
        const rows = await ramp(iteration, t + shareMs);
        done++;
        return rows;
      } finally {
        spentMs += Date.now() - t;
      }
    },
    async teardown() {
      await stopAll();
    },
  };
}

export const densityMode: MeasurementMode = {
  mode: 'density',
  cells(ctx) {
    return [densityCell(ctx)];
  },
};

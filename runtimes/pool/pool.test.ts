import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCell } from '../../harness/modes/cold.js';
import { checkResponse } from '../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { ContainerAdapter } from '../container/adapter.js';
import { connectEngine, engineStatus } from '../container/engine.js';
import { ProcessAdapter } from '../process/adapter.js';
import type { FunctionRequest } from '../types.js';
import { emptyRuntimeConfig, resolveModeOptions } from '../../harness/options.js';
import { RUNTIMES } from '../../harness/runtimes.js';
import { PoolAdapter } from './adapter.js';

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const get = hello.requests[0]!;
const engineUp = (await engineStatus(connectEngine())).availability.ok;
const pidOf = (i: { data?: unknown }) =>
  (i.data as { inner: { data: { child: { pid: number } } } }).inner.data.child.pid;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function answers(pool: PoolAdapter, i: Parameters<PoolAdapter['invoke']>[0], r: FunctionRequest = get) {
  return checkResponse(get.expect, (await pool.invoke(i, r)).response);
}

describe('pool adapter over processes', () => {
  it('hands out pre-warmed instances, then falls back to cold starts when a burst empties it (on demand)', async () => {
    const pool = new PoolAdapter(new ProcessAdapter(), { size: 2, refill: 'on-demand' });
    try {
      const d = await pool.prepare(hello, 'node');
      const taken = [];
      for (let k = 0; k < 3; k++) taken.push(await pool.start(d));
      expect(taken.map((t) => t.phases.map((p) => p.phase))).toEqual([['pool_hit'], ['pool_hit'], ['pool_miss']]);
      for (const t of taken) expect(await answers(pool, t.instance)).toEqual({ ok: true });
      // The miss triggered a refill of the dry pool.
      await pool.settle();
      expect((await pool.start(d)).phases[0]!.phase).toBe('pool_hit');
      const cost = pool.idleCost()[0]!;
      expect(cost).toMatchObject({ hits: 3, misses: 1, size: 2, workload: 'hello', variant: 'node' });
      expect(cost.bytesPerInstance).toBeGreaterThan(1 << 20);
      expect(cost.idleByteSeconds).toBeGreaterThan(0);
      expect(typeof cost.memAvailableDropPerInstance).toBe('number');
      const u = await pool.usage(taken[0]!.instance);
      expect(u.rssBytes).toBeGreaterThan(0);
      expect(u.idleBytes).toBeGreaterThan(0);
      for (const t of taken) await pool.stop(t.instance);
    } finally {
      await pool.dispose();
    }
  });

  it('refills eagerly after each hand-out, and the cold mode rows say hit', async () => {
    const pool = new PoolAdapter(new ProcessAdapter(), { size: 1, refill: 'eager' });
    try {
      const d = await pool.prepare(hello, 'node');
      const cell = startCell(
        {
          adapter: pool,
          workload: hello,
          variant: 'node',
          deployment: d,
          request: get,
          options: resolveModeOptions({ iterations: 2, warmup: 0 }),
          warn: () => {},
        },
        'cold_start_ns',
        'instance',
      );
      for (let it = 0; it < 2; it++) {
        const rows = await cell.sample(it);
        expect(rows.find((r) => r.phase === 'total')).toMatchObject({ ok: true });
        expect(rows.map((r) => r.phase)).toContain('pool_hit');
        await pool.settle();
      }
      expect(pool.idleCost()[0]).toMatchObject({ hits: 2, misses: 0, idle: 1 });
      // The same figures as result rows, which the run writes before dispose.
      const report = Object.fromEntries(pool.runReport().map((m) => [m.metric, m.value]));
      expect(report).toMatchObject({ pool_hits_count: 2, pool_misses_count: 0 });
      expect(report['idle_bytes_per_instance']).toBeGreaterThan(0);
      expect(report['idle_byte_seconds']).toBeGreaterThanOrEqual(0);
    } finally {
      await pool.dispose();
    }
  });

  it('stops instances idle past the timeout, and dispose stops the rest', async () => {
    const pool = new PoolAdapter(new ProcessAdapter(), { size: 2, refill: 'eager', idleTimeoutMs: 400 });
    const d = await pool.prepare(hello, 'node');
    const held = await pool.start(d);
    const pid = pidOf(held.instance);
    await pool.settle();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(pool.idleCost()[0]!.idle).toBe(0);
    expect((await pool.start(d)).phases[0]!.phase).toBe('pool_miss');
    await pool.dispose();
    expect(alive(pid)).toBe(false);
  });

  it("is built by the registry over the runtime the config names, with its size, refill and the inner runtime's own config", async () => {
    const entry = RUNTIMES.find((r) => r.id === 'pool')!;
    await expect(entry.create({ ...emptyRuntimeConfig(), pool: { of: 'nope' } })).rejects.toThrow(/not a runtime id/);
    const pool = await entry.create({
      ...emptyRuntimeConfig(),
      pool: { of: 'process', size: 1, refill: 'on-demand' },
      process: { nativeMode: 'cgi' },
    });
    try {
      expect(pool).toBeInstanceOf(PoolAdapter);
      expect(await pool.describeVersions!()).toMatchObject({
        inner: 'process',
        size: '1',
        refill: 'on-demand',
        'inner.native': 'cgi',
      });
    } finally {
      await pool.dispose();
    }
  });
});

describe.skipIf(!engineUp)('pool adapter over containers (real Docker engine)', () => {
  it('serves hits from pre-started containers, counts their cgroup memory, and removes them all', async () => {
    const inner = new ContainerAdapter();
    const pool = new PoolAdapter(inner, { size: 2, refill: 'on-demand' });
    try {
      const d = await pool.prepare(hello, 'native');
      const hit = await pool.start(d);
      expect(hit.phases[0]!.phase).toBe('pool_hit');
      expect(await answers(pool, hit.instance)).toEqual({ ok: true });
      const cost = pool.idleCost()[0]!;
      expect(cost.bytesPerInstance).toBeGreaterThan(0);
      await pool.stop(hit.instance);
    } finally {
      await pool.dispose();
    }
    const left = await inner.engine.docker.listContainers({
      all: true,
      filters: { label: [`faasbench.run=${inner.runId}`] },
    });
    expect(left).toEqual([]);
  });
});

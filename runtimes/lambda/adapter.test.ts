// The lambda adapter end to end: real workloads (node and native variants) through the
// function URL, cold start phases, frozen-environment memory, scale-out under a burst.
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { PoolAdapter } from '../pool/adapter.js';
import { LambdaAdapter } from './adapter.js';

const adapter = new LambdaAdapter({ concurrency: 4, timeoutMs: 10_000 });
afterAll(() => adapter.dispose());
const workload = (name: string) => loadWorkload(`${builtinWorkloadsDir()}/${name}`);

describe('lambda adapter', () => {
  it('is registered and available', async () => {
    const { RUNTIMES } = await import('../../harness/runtimes.js');
    const entry = RUNTIMES.find((r) => r.id === 'lambda');
    expect(entry).toBeDefined();
    expect((await (await entry!.create()).available()).ok).toBe(true);
  });

  for (const name of ['hello', 'echo', 'sha256', 'json']) {
    for (const variant of ['node', 'native'] as const) {
      it(`serves ${name}/${variant} byte-identically to the manifest`, async () => {
        const w = workload(name);
        if (!w.variantPaths[variant]) return;
        const d = await adapter.prepare(w, variant);
        const { instance, phases } = await adapter.start(d);
        try {
          expect(phases.map((p) => p.phase)).toEqual(['url_listen', 'listen', 'spawn', 'init']);
          for (const req of w.requests) {
            const r = await adapter.invoke(instance, req);
            const verdict = checkResponse(req.expect, r.response);
            expect(verdict, `${name}/${variant}/${req.name}`).toEqual({ ok: true });
            expect(r.phases.map((p) => p.phase)).toContain('invoke');
          }
        } finally {
          await adapter.stop(instance);
        }
      });
    }
  }

  it('reports the RSS of a frozen environment, and scales out under a burst', async () => {
    const w = workload('hello');
    const d = await adapter.prepare(w, 'node');
    const { instance } = await adapter.start(d);
    try {
      const fn = adapter.functionOf(instance);
      await new Promise((r) => setTimeout(r, 50));
      expect(fn.environments()[0]!.isFrozen).toBe(true);
      const u = await adapter.usage(instance);
      expect(u.rssBytes).toBeGreaterThan(10 * 2 ** 20);
      expect(u.rssBytes).toBeLessThan(500 * 2 ** 20);
      const burst = await Promise.all(Array.from({ length: 4 }, () => adapter.invoke(instance, w.requests[0]!)));
      expect(burst.map((r) => r.response.status)).toEqual([200, 200, 200, 200]);
      expect(fn.environments().length).toBeGreaterThan(1);
      expect(fn.environments().length).toBeLessThanOrEqual(4);
      expect(burst.some((r) => r.phases.some((p) => p.phase === 'cold_init'))).toBe(true);
      const u2 = await adapter.usage(instance);
      expect(u2.rssBytes!).toBeGreaterThan(u.rssBytes!);
    } finally {
      await adapter.stop(instance);
    }
  });

  it('queues beyond the concurrency limit by default', async () => {
    const small = new LambdaAdapter({ concurrency: 2 });
    const w = workload('hello');
    const { instance } = await small.start(await small.prepare(w, 'native'));
    try {
      const burst = await Promise.all(Array.from({ length: 6 }, () => small.invoke(instance, w.requests[0]!)));
      expect(burst.map((r) => r.response.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(small.functionOf(instance).environments().length).toBe(2);
    } finally {
      await small.dispose();
    }
  });

  it('throttles beyond the concurrency limit with 429 when asked to', async () => {
    const small = new LambdaAdapter({ concurrency: 1, whenThrottled: 'reject' });
    const w = workload('hello');
    const { instance } = await small.start(await small.prepare(w, 'native'));
    try {
      const burst = await Promise.all(Array.from({ length: 3 }, () => small.invoke(instance, w.requests[0]!)));
      const statuses = burst.map((r) => r.response.status).sort();
      expect(statuses[0]).toBe(200);
      expect(statuses).toContain(429);
    } finally {
      await small.dispose();
    }
  });

  it('can be pre-warmed by the pool adapter (provisioned concurrency)', async () => {
    const pool = new PoolAdapter(new LambdaAdapter(), { size: 2, refill: 'on-demand' });
    try {
      const w = workload('hello');
      const d = await pool.prepare(w, 'native');
      const first = await pool.start(d); // fills the pool, then hands one out
      const second = await pool.start(d);
      for (const s of [first, second]) {
        const r = await pool.invoke(s.instance, w.requests[0]!);
        expect(checkResponse(w.requests[0]!.expect, r.response)).toEqual({ ok: true });
        expect((await pool.usage(s.instance)).rssBytes).toBeGreaterThan(0);
        await pool.stop(s.instance);
      }
      expect(second.phases.map((p) => p.phase)).toContain('pool_hit');
    } finally {
      await pool.dispose();
    }
  });

  it('stop is idempotent and kills the environments', async () => {
    const w = workload('hello');
    const { instance } = await adapter.start(await adapter.prepare(w, 'native'));
    const pid = adapter.functionOf(instance).environments()[0]!.pid!;
    await adapter.stop(instance);
    await adapter.stop(instance);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

// The replay driver applies each policy to a runtime through start/invoke/stop:
// cold starts where the policy says, scale-out under a burst, pre-warming, checked
// responses, late sends counted (never stretched). A small in-test runtime with real
// timers makes the policy logic exact; the reference Wasm runtime and the Lambda-style
// runtime show it on real adapters.

import { describe, expect, it } from 'vitest';
import { resolveWorkloads } from '../../model/workload.js';
import type { Deployment, FunctionRequest, Instance, InvokeResult, RuntimeAdapter } from '../../runtimes/types.js';
import { pickRequest } from '../run.js';
import { account, DEFAULT_PRICES } from './accounting.js';
import { replay } from './driver.js';
import { parsePolicy } from './policy.js';
import type { Trace } from './types.js';

const hello = resolveWorkloads(['hello'])[0]!;
const request = pickRequest(hello);

/** A runtime that starts in `startMs` and answers in `invokeMs` with hello's expected answer (or a wrong one), counting what it was asked. */
function fakeRuntime(o: {
  startMs: number;
  invokeMs: number;
  fresh?: boolean;
  wrong?: boolean;
  blockStartMs?: number;
}) {
  const counts = { start: 0, stop: 0, invoke: 0, live: 0, maxLive: 0 };
  const adapter: RuntimeAdapter = {
    id: 'fake',
    description: 'in-test runtime',
    capabilities: () => ({ variants: ['wasm'], modes: ['cold'], freshInstancePerRequest: o.fresh === true }),
    available: async () => ({ ok: true }),
    prepare: async (workload, variant) => ({ runtime: 'fake', workload, variant }),
    async start(d: Deployment) {
      counts.start++;
      if (o.blockStartMs) {
        const until = performance.now() + o.blockStartMs;
        while (performance.now() < until); // a start that holds the event loop, as a heavy spawn can
      }
      await new Promise((r) => setTimeout(r, o.startMs));
      counts.maxLive = Math.max(counts.maxLive, ++counts.live);
      return { instance: { id: `i${counts.start}`, deployment: d }, phases: [] };
    },
    async invoke(_i: Instance, _r: FunctionRequest): Promise<InvokeResult> {
      counts.invoke++;
      await new Promise((r) => setTimeout(r, o.invokeMs));
      const body = Buffer.from(o.wrong ? 'nope' : request.expect.body!);
      return {
        response: { status: 200, headers: { 'content-type': 'text/plain' }, body },
        totalNs: o.invokeMs * 1e6,
        phases: [],
      };
    },
    async stop() {
      counts.stop++;
      counts.live--;
    },
    usage: async () => ({ pssBytes: 10 * 2 ** 20 }),
    dispose: async () => {},
  };
  return { adapter, counts };
}

/** Function 0 at 0, 300, 600 ms; function 1 at 150 ms; function 2 never. */
const spaced: Trace = {
  source: 'test',
  durationMs: 800,
  functions: [
    { id: 'a', trigger: 'http', arrivalsMs: [0, 300, 600] },
    { id: 'b', trigger: 'http', arrivalsMs: [150] },
    { id: 'c', trigger: 'timer', arrivalsMs: [] },
  ],
};

async function run(
  policy: string,
  trace: Trace,
  rt: ReturnType<typeof fakeRuntime>,
  compress = 1,
  log?: (m: string) => void,
) {
  const deployment = await rt.adapter.prepare(hello, 'wasm');
  return replay({
    adapter: rt.adapter,
    deployment,
    request,
    trace,
    policy: parsePolicy(policy),
    compress,
    ...(log ? { log } : {}),
  });
}

describe('trace replay driver', () => {
  it('lambda:KEEP reuses an idle instance within its keep-alive, lambda:0 starts one per request', async () => {
    const kept = fakeRuntime({ startMs: 20, invokeMs: 5 });
    const r = await run('lambda:1m', spaced, kept);
    expect(r.invocations.map((x) => [x.fn, x.cold, x.ok])).toEqual([
      [0, true, true],
      [1, true, true],
      [0, false, true],
      [0, false, true],
    ]);
    expect(kept.counts.start).toBe(2);
    expect(kept.counts.stop).toBe(2); // at the end
    expect(r.instances.every((i) => i.toMs === null && i.bytes === 10 * 2 ** 20)).toBe(true);

    const none = fakeRuntime({ startMs: 20, invokeMs: 5 });
    const z = await run('lambda:0', spaced, none);
    expect(z.invocations.every((x) => x.cold && x.ok)).toBe(true);
    expect(none.counts.start).toBe(4);
    expect(z.instances.every((i) => i.toMs !== null)).toBe(true);
  });

  it('a short keep-alive expires between sparse requests (scale to zero)', async () => {
    const rt = fakeRuntime({ startMs: 10, invokeMs: 5 });
    const r = await run('lambda:100ms', spaced, rt);
    expect(r.invocations.filter((x) => x.cold).length).toBe(4);
    expect(r.instances.filter((i) => i.toMs !== null).length).toBe(4);
  });

  it('pool:N pre-warms N per function, invoked or not, and charges them idle from the start', async () => {
    const rt = fakeRuntime({ startMs: 20, invokeMs: 5 });
    const r = await run('pool:2', spaced, rt);
    expect(rt.counts.start).toBe(6);
    expect(r.prewarmMs).toBeGreaterThan(0);
    expect(r.invocations.every((x) => !x.cold && x.ok)).toBe(true);
    const t = account(r.invocations, r.instances, {
      endMs: r.endMs,
      compress: 1,
      prices: DEFAULT_PRICES,
      assumedBytes: 0,
      lateMs: 10,
    });
    expect(t.peakInstances).toBe(6);
    expect(t.instanceMs).toBeGreaterThanOrEqual(6 * 800);
    expect(t.idleKiBs).toBeGreaterThan(t.busyKiBs);
  });

  it('scales out under a burst: simultaneous requests each get an instance; a pool past its size starts extra ones', async () => {
    const burst: Trace = {
      source: 'test',
      durationMs: 300,
      functions: [{ id: 'a', trigger: 'http', arrivalsMs: [0, 0, 0, 200] }],
    };
    const rt = fakeRuntime({ startMs: 20, invokeMs: 30 });
    const r = await run('lambda:1m', burst, rt);
    expect(r.invocations.filter((x) => x.cold).length).toBe(3);
    expect(rt.counts.maxLive).toBe(3);
    const pool = fakeRuntime({ startMs: 20, invokeMs: 30 });
    const p = await run('pool:1', burst, pool);
    expect(p.invocations.filter((x) => x.cold).length).toBe(2);
    expect(p.instances.filter((i) => !i.warm).every((i) => i.toMs !== null)).toBe(true);
  });

  it('fresh: one app per function, started at its first request and kept; concurrent requests share it', async () => {
    const burst: Trace = {
      source: 'test',
      durationMs: 400,
      functions: [
        { id: 'a', trigger: 'http', arrivalsMs: [0, 1, 300] },
        { id: 'b', trigger: 'http', arrivalsMs: [100] },
      ],
    };
    const rt = fakeRuntime({ startMs: 40, invokeMs: 5, fresh: true });
    const r = await run('fresh', burst, rt);
    expect(rt.counts.start).toBe(2);
    // the second request came while its app was starting: it waited for that start
    expect(
      r.invocations
        .filter((x) => x.cold)
        .map((x) => x.fn)
        .sort(),
    ).toEqual([0, 0, 1]);
  });

  it('records a wrong response as failed, with its reason', async () => {
    const rt = fakeRuntime({ startMs: 5, invokeMs: 5, wrong: true });
    const r = await run('lambda:1m', spaced, rt);
    expect(r.invocations.every((x) => !x.ok && /body "nope"/.test(x.error ?? ''))).toBe(true);
    expect([...r.errors.keys()][0]).toMatch(/^response: body "nope"/);
  });

  it('counts late sends and says it fell behind instead of stretching the schedule', async () => {
    // Every start blocks the event loop for 150 ms: the arrivals behind it go out late.
    const trace: Trace = {
      source: 'test',
      durationMs: 200,
      functions: [0, 1, 2, 3].map((k) => ({ id: `f${k}`, trigger: 'http', arrivalsMs: [k * 20] })),
    };
    const rt = fakeRuntime({ startMs: 1, invokeMs: 1, blockStartMs: 150 });
    const said: string[] = [];
    const r = await run('lambda:0', trace, rt, 1, (m) => said.push(m));
    const t = account(r.invocations, r.instances, {
      endMs: r.endMs,
      compress: 1,
      prices: DEFAULT_PRICES,
      assumedBytes: 0,
      lateMs: 10,
    });
    expect(t.late).toBeGreaterThanOrEqual(2);
    expect(t.maxLagMs).toBeGreaterThan(100);
    expect(said.some((m) => m.includes('behind the trace'))).toBe(true);
    // latency counts from the scheduled arrival: at least the lag
    for (const x of r.invocations) expect(x.endMs - x.scheduledMs).toBeGreaterThanOrEqual(x.sentMs - x.scheduledMs);
  });

  it('stops at an abort with what it measured, and stops every instance', async () => {
    const trace: Trace = {
      source: 'test',
      durationMs: 60_000,
      functions: [{ id: 'a', trigger: 'http', arrivalsMs: [0, 100, 200, 30_000, 50_000] }],
    };
    const rt = fakeRuntime({ startMs: 5, invokeMs: 5 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 400);
    const deployment = await rt.adapter.prepare(hello, 'wasm');
    const t0 = performance.now();
    const r = await replay({
      adapter: rt.adapter,
      deployment,
      request,
      trace,
      policy: parsePolicy('lambda:10m'),
      compress: 1,
      signal: abort.signal,
    });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.interrupted).toBe(true);
    expect(r.invocations.map((x) => x.ok)).toEqual([true, true, true]);
    expect(rt.counts.live).toBe(0);
  });

  it('compresses time: a 2 s trace at 10× takes about 0.2 s of wall time', async () => {
    const trace: Trace = {
      source: 'test',
      durationMs: 2000,
      functions: [{ id: 'a', trigger: 'http', arrivalsMs: [0, 1000, 1900] }],
    };
    const rt = fakeRuntime({ startMs: 5, invokeMs: 1 });
    const r = await run('lambda:1500ms', trace, rt, 10);
    expect(r.invocations.map((x) => Math.round(x.scheduledMs))).toEqual([0, 100, 190]);
    expect(r.endMs).toBeGreaterThanOrEqual(200);
    // 1000 → 1900 trace ms is within the 1.5 s keep-alive: warm; 0 → 1000 too
    expect(r.invocations.filter((x) => x.cold).length).toBe(1);
  });
});

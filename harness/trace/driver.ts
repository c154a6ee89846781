// Replays a trace against one runtime under one scaling policy, open loop: every
// arrival is sent at its scheduled wall time (trace time ÷ compression) whether or
// not earlier ones have answered, so a slow runtime cannot slow the traffic down
// (no coordinated omission: latency counts from the *scheduled* arrival). When the
// machine cannot keep up, sends go out late: each send's lag is recorded, the first
// lag past 100 ms is reported at once, and the totals count every late send; the
// schedule is never stretched.
//
// The driver talks to the runtime only through runtimes/types.ts (start, invoke,
// stop, usage), applying the policy itself (policy.ts): which instance serves a
// request, when a new one is started (a cold start: the request waits for start()),
// when an idle one is stopped. Concurrent start() calls are bounded (`startSlots`,
// default 8: two cores spawning a hundred processes at once measure the scheduler,
// not the runtime); waiting for a slot is part of that request's latency. Every
// response is checked against the workload manifest. Records go to accounting.ts.

import type { SampleRequest } from '../../model/workload.js';
import type { Deployment, Instance, MemoryUsage, RuntimeAdapter } from '../../runtimes/types.js';
import { checkResponse } from '../verify.js';
import type { InstanceRecord, InvocationRecord } from './accounting.js';
import type { TracePolicy } from './policy.js';
import { mergedArrivals, type Trace } from './types.js';

export interface ReplayOptions {
  adapter: RuntimeAdapter;
  deployment: Deployment;
  request: SampleRequest;
  trace: Trace;
  policy: TracePolicy;
  /** Trace time ÷ wall time: 12 replays an hour in 5 minutes. */
  compress: number;
  /** Concurrent start() calls at most (default 8). */
  startSlots?: number;
  signal?: AbortSignal;
  /** Pause after pre-warming, before the replay's clock starts, wall ms (default 2000). */
  settleMs?: number;
  /** Progress and the moment the replay falls behind (not results: those are in the records). */
  log?(message: string): void;
}

export interface ReplayResult {
  invocations: InvocationRecord[];
  instances: InstanceRecord[];
  /** End of the accounting window, wall ms from the replay's start. */
  endMs: number;
  /** Wall ms spent pre-warming before the replay started (the settling pause after it not included). */
  prewarmMs: number;
  interrupted: boolean;
  /** Distinct failure reasons with their counts (start, invoke, check, stop). */
  errors: Map<string, number>;
}

interface Live {
  rec: InstanceRecord;
  instance: Instance | null;
  ready: Promise<Instance>;
  inFlight: number;
  busySince: number;
  idleTimer: NodeJS.Timeout | null;
  stopping: boolean;
  measured: boolean;
}

/** A counting semaphore for start() calls. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Bytes an instance holds, by the best figure its runtime gives (PSS counts shared pages once). */
export function heldBytes(u: MemoryUsage): number | null {
  return u.pssBytes ?? u.cgroupBytes ?? u.rssBytes ?? null;
}

/** A send this late (wall ms) means the replay fell behind the trace: said at once, and in the results. */
export const BEHIND_MS = 100;
const PROGRESS_EVERY_MS = 30_000;

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const { adapter, deployment, request, policy, compress, signal } = o;
  if (!(compress > 0)) throw new RangeError(`compress must be > 0, got ${compress}`);
  const arrivals = mergedArrivals(o.trace);
  const slots = new Slots(o.startSlots ?? 8);
  const live: Live[][] = o.trace.functions.map(() => []);
  const instances: InstanceRecord[] = [];
  const invocations: InvocationRecord[] = [];
  const errors = new Map<string, number>();
  const stops: Array<Promise<void>> = [];
  const measuring = new Set<Promise<void>>();
  let deploymentBytes: number | null = null;
  // Wall clock: absolute performance.now() until t0 is set, then relative to it in the records.
  let t0 = performance.now();
  const now = () => performance.now() - t0;
  const fail = (why: string) => errors.set(why, (errors.get(why) ?? 0) + 1);
  const keepWallMs = (l: Live) => (l.rec.warm ? Infinity : policy.keepAliveMs / compress);

  function stop(l: Live): void {
    if (l.stopping) return;
    l.stopping = true;
    if (l.idleTimer) clearTimeout(l.idleTimer);
    l.rec.toMs = now();
    const list = live[l.rec.fn]!;
    list.splice(list.indexOf(l), 1);
    stops.push(
      l.ready.then(
        (i) => adapter.stop(i).catch((e: Error) => void fail(`stop: ${e.message}`)),
        () => {},
      ),
    );
  }

  /**
   * Its memory: once after it answered (a pre-warmed one: after start), and again at
   * the end for those still held (`again`), the later figure kept: a runtime that
   * shares one process among its apps reports each app's share, which settles as
   * apps come and go. A runtime may report 0 (nothing beyond its baseline): that is a
   * figure, not an absence.
   */
  async function measure(l: Live, again = false): Promise<void> {
    if ((l.measured && !again) || !l.instance || !adapter.usage) return;
    l.measured = true;
    const bytes = heldBytes(await adapter.usage(l.instance).catch(() => ({})));
    if (bytes !== null && bytes >= 0) {
      l.rec.bytes = bytes;
      deploymentBytes = bytes;
    }
  }

  function begin(l: Live): void {
    if (l.inFlight++ === 0) l.busySince = now();
    if (l.idleTimer) {
      clearTimeout(l.idleTimer);
      l.idleTimer = null;
    }
  }

  function end(l: Live): void {
    if (--l.inFlight > 0) return;
    l.rec.busy.push([l.busySince, now()]);
    if (l.stopping) return;
    const keep = keepWallMs(l);
    if (keep === 0) stop(l);
    else if (Number.isFinite(keep)) l.idleTimer = setTimeout(() => l.inFlight === 0 && stop(l), keep);
  }

  /** A new instance for function `fn`; busy from the moment start() is asked for. */
  function launch(fn: number, warm: boolean): Live {
    const rec: InstanceRecord = { fn, fromMs: now(), toMs: null, bytes: null, busy: [], warm };
    const l: Live = {
      rec,
      instance: null,
      ready: null as unknown as Promise<Instance>,
      inFlight: 0,
      busySince: 0,
      idleTimer: null,
      stopping: false,
      measured: false,
    };
    begin(l);
    l.ready = (async () => {
      await slots.acquire();
      // Held (and busy) from when its start() begins, not while it waits for a slot.
      rec.fromMs = l.busySince = now();
      try {
        const started = await adapter.start(deployment);
        l.instance = started.instance;
        return started.instance;
      } finally {
        slots.release();
      }
    })();
    l.ready.catch(() => {});
    instances.push(rec);
    live[fn]!.push(l);
    return l;
  }

  /** An instance to serve one request of `fn`, by the policy; `cold` when the request must wait for a start(). */
  function pick(fn: number): { l: Live; cold: boolean } {
    const list = live[fn]!;
    if (policy.kind === 'fresh') {
      const app = list.find((x) => !x.stopping);
      if (app) {
        begin(app);
        return { l: app, cold: app.instance === null };
      }
      return { l: launch(fn, false), cold: true };
    }
    // The most recently used idle instance (the others can expire).
    for (let k = list.length - 1; k >= 0; k--) {
      const x = list[k]!;
      if (x.inFlight === 0 && !x.stopping && x.instance) {
        list.splice(k, 1);
        list.push(x);
        begin(x);
        return { l: x, cold: false };
      }
    }
    return { l: launch(fn, false), cold: true };
  }

  async function serve(fn: number, scheduledMs: number): Promise<void> {
    const sentMs = now();
    const { l, cold } = pick(fn);
    const rec: InvocationRecord = { fn, scheduledMs, sentMs, endMs: 0, cold, ok: false };
    try {
      const tStart = now();
      const instance = await l.ready;
      if (cold) rec.startMs = now() - tStart;
      const res = await adapter.invoke(instance, request);
      rec.endMs = now();
      const verdict = checkResponse(request.expect, res.response);
      rec.ok = verdict.ok;
      if (!verdict.ok) {
        rec.error = verdict.reason;
        fail(`response: ${verdict.reason}`);
      } else if (!l.measured) {
        // The first figure of a deployment is taken before a per-request instance is stopped; later ones on the side.
        const m = measure(l);
        if (deploymentBytes === null) await m;
        else {
          measuring.add(m);
          void m.finally(() => measuring.delete(m));
        }
      }
    } catch (e) {
      rec.endMs = now();
      rec.error = (e as Error).message;
      fail(`${l.instance ? 'invoke' : 'start'}: ${rec.error}`);
      invocations.push(rec);
      // An instance that failed to start, or (one request each) to answer, is not used again;
      // an app serving others goes on.
      if (!l.instance || policy.kind !== 'fresh') {
        if (--l.inFlight === 0) l.rec.busy.push([l.busySince, now()]);
        stop(l);
      } else end(l);
      return;
    }
    invocations.push(rec);
    end(l);
  }

  // Pre-warm: the policy's instances per function before the clock starts.
  const prewarmStart = performance.now();
  let prewarmMs = 0;
  if (policy.warm > 0) {
    o.log?.(
      `${policy.label}: pre-warming ${policy.warm * o.trace.functions.length} instances (${policy.warm} × ${o.trace.functions.length} functions)`,
    );
    const warmups: Array<Promise<void>> = [];
    for (let fn = 0; fn < o.trace.functions.length && !signal?.aborted; fn++) {
      for (let k = 0; k < policy.warm; k++) {
        const l = launch(fn, true);
        warmups.push(
          l.ready.then(
            async () => {
              await measure(l);
              end(l);
            },
            (e: Error) => {
              fail(`start: ${e.message}`);
              l.inFlight--;
              stop(l);
            },
          ),
        );
      }
    }
    await Promise.all(warmups);
    prewarmMs = performance.now() - prewarmStart;
    // Provisioned instances are long ready when traffic comes: let the spawning settle
    // (the last inits finish, the CPU quietens) before the clock starts. Not charged.
    await sleep(o.settleMs ?? 2000, signal);
  }
  // Records so far (pre-warming) were on the clock of replay()'s start: move them to the replay's.
  const shift = performance.now() - t0;
  t0 += shift;
  for (const r of instances) {
    r.fromMs -= shift;
    r.busy = r.busy.map(([a, b]) => [a - shift, b - shift]);
    if (r.toMs !== null) r.toMs -= shift;
  }

  const durationWallMs = o.trace.durationMs / compress;
  const inFlight = new Set<Promise<void>>();
  let behindSaid = false;
  let nextProgress = PROGRESS_EVERY_MS;
  for (let k = 0; k < arrivals.length; k++) {
    const a = arrivals[k]!;
    const due = a.atMs / compress;
    const wait = due - now();
    if (wait > 1) await sleep(wait, signal);
    if (signal?.aborted) break;
    const lag = now() - due;
    if (lag > BEHIND_MS && !behindSaid) {
      behindSaid = true;
      o.log?.(
        `${policy.label}: the replay is behind the trace (an arrival sent ${Math.round(lag)} ms late): this machine cannot keep up at ${compress}× compression; late sends are counted and latency still counts from the scheduled arrival`,
      );
    }
    if (now() > nextProgress) {
      nextProgress += PROGRESS_EVERY_MS;
      o.log?.(
        `${policy.label}: ${k} of ${arrivals.length} invocations sent, ${Math.round(now() / 1000)} of ${Math.round(durationWallMs / 1000)} s`,
      );
    }
    const p = serve(a.fn, due);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  // Idle instances are held (and keep-alive timers fire) until the trace's end.
  // (A timer may fire a fraction of a millisecond early: loop until the clock says so.)
  while (!signal?.aborted && now() < durationWallMs) await sleep(Math.max(1, durationWallMs - now()), signal);
  await Promise.all(measuring);
  const endMs = now();
  // The last figure of what is still held (before anything is stopped: shares stay as they were).
  for (const list of live) for (const l of list) if (l.instance) await measure(l, true);
  // Whatever is still held is charged to the end of the window, then stopped.
  for (const list of live) {
    for (const l of [...list]) {
      if (l.idleTimer) clearTimeout(l.idleTimer);
      stop(l);
      l.rec.toMs = null;
    }
  }
  await Promise.all(stops);
  for (const r of instances) r.bytes ??= deploymentBytes;
  return { invocations, instances, endMs, prewarmMs, interrupted: signal?.aborted === true, errors };
}

// Trace-driven load (`run -m trace`): what pre-warming costs and what it saves under
// realistic traffic. One cell per runtime × workload × variant × policy: it replays
// the run's trace (synthetic, harness/trace/synthetic.ts, or an Azure Functions CSV,
// harness/trace/azure.ts) compressed in time, open loop, against the runtime under
// that policy (harness/trace/driver.ts), every response checked, then accounts for it
// (harness/trace/accounting.ts). A cell is one sample (the whole replay): warm-up and
// iterations do not apply; the policy's own pre-warming is what warms.
//
// Policies suit runtimes by their model: `fresh` runs on runtimes with a fresh
// instance per request (the Wasm runtime), the others (per-request, lambda:KEEP,
// pool:N) on runtimes whose instance serves many requests; a policy that fits no
// runtime of the run is said once.
//
// Rows, every one tagged with its `policy` (README, "Trace-driven load"):
// - per invocation (iteration = its index): trace_latency_ns, phase total, from the
//   *scheduled* arrival to the complete response (coordinated omission corrected),
//   tag start=cold|warm; phase `start` (its instance's start(), cold ones) and
//   `send_lag` (sent late by more than 1 ms) beside it;
// - per replay (phase total): trace_invocations_count, trace_cold_starts_count,
//   trace_cold_start_ppm, trace_failed_count, trace_late_count (> 10 ms late),
//   trace_max_lag_ns, trace_memory_busy_kib_s, trace_memory_idle_kib_s,
//   trace_instance_ms, trace_peak_instances_count, trace_memory_assumed_count,
//   trace_cost_nusd (nano-USD at the run's prices), trace_prewarm_ns. Memory and
//   instance time are in trace time (idle gaps × compression, busy time as it
//   happened: harness/trace/accounting.ts); latencies as measured.

import { readAzureTrace } from '../trace/azure.js';
import { account } from '../trace/accounting.js';
import { BEHIND_MS, replay } from '../trace/driver.js';
import { parsePolicy, policyFits, type TracePolicy } from '../trace/policy.js';
import { syntheticTrace } from '../trace/synthetic.js';
import { invocationCount, type Trace } from '../trace/types.js';
import type { TraceOptions } from '../options.js';
import type { Cell, CellContext, MeasurementMode, SampleOut } from './types.js';

/** A send later than this after its arrival is late (wall ms). */
export const LATE_MS = 10;

const traces = new Map<string, Trace>();

/** The run's trace: the same options give the same trace, built once per process. */
export function loadTrace(o: TraceOptions): Trace {
  const key = JSON.stringify([o.file, o.functions, o.hours, o.seed, o.maxPerMinute]);
  let t = traces.get(key);
  if (!t) {
    t = o.file
      ? readAzureTrace(o.file, {
          seed: o.seed,
          functions: o.functions,
          fromMinute: 1,
          minutes: Math.round(o.hours * 60),
        })
      : syntheticTrace({ functions: o.functions, hours: o.hours, seed: o.seed, maxPerMinute: o.maxPerMinute }).trace;
    traces.set(key, t);
  }
  return t;
}

/** The rows of one replay. */
export function traceRows(
  ctx: Pick<CellContext, 'request'>,
  policy: TracePolicy,
  o: TraceOptions,
  r: Awaited<ReturnType<typeof replay>>,
): SampleOut[] {
  const request = ctx.request.name;
  const rows: SampleOut[] = [];
  const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));
  r.invocations
    .slice()
    .sort((a, b) => a.scheduledMs - b.scheduledMs || a.fn - b.fn)
    .forEach((x, iteration) => {
      const tags = { policy: policy.label, start: x.cold ? 'cold' : 'warm' };
      rows.push({
        phase: 'total',
        metric: 'trace_latency_ns',
        value: ns(x.endMs - x.scheduledMs),
        ok: x.ok,
        iteration,
        request,
        tags,
        ...(x.error ? { error: x.error } : {}),
      });
      if (x.startMs !== undefined)
        rows.push({
          phase: 'start',
          metric: 'trace_latency_ns',
          value: ns(x.startMs),
          ok: x.ok,
          iteration,
          request,
          tags,
        });
      if (x.sentMs - x.scheduledMs > 1)
        rows.push({
          phase: 'send_lag',
          metric: 'trace_latency_ns',
          value: ns(x.sentMs - x.scheduledMs),
          ok: x.ok,
          iteration,
          request,
          tags,
        });
    });
  const t = account(r.invocations, r.instances, {
    endMs: r.endMs,
    compress: o.compress,
    prices: { gibSecondUsd: o.gibSecondUsd, requestUsd: o.requestUsd },
    assumedBytes: o.assumedMiB * 2 ** 20,
    lateMs: LATE_MS,
  });
  const total = (metric: string, value: number) =>
    rows.push({ phase: 'total', metric, value: Math.round(value), ok: true, request, tags: { policy: policy.label } });
  total('trace_invocations_count', t.invocations);
  total('trace_cold_starts_count', t.coldStarts);
  total('trace_cold_start_ppm', t.coldStartPpm);
  total('trace_failed_count', t.failed);
  total('trace_late_count', t.late);
  total('trace_max_lag_ns', ns(t.maxLagMs));
  total('trace_memory_busy_kib_s', t.busyKiBs);
  total('trace_memory_idle_kib_s', t.idleKiBs);
  total('trace_instance_ms', t.instanceMs);
  total('trace_peak_instances_count', t.peakInstances);
  total('trace_memory_assumed_count', t.memoryAssumed);
  total('trace_cost_nusd', t.costNusd);
  total('trace_prewarm_ns', ns(r.prewarmMs));
  return rows;
}

function traceCell(ctx: CellContext, policy: TracePolicy): Cell {
  const o = ctx.options.trace;
  const label = `${ctx.adapter.id}/${ctx.workload.name}/${ctx.variant}/trace ${policy.label}`;
  let trace: Trace | null = null;
  return {
    label,
    rounds: 1,
    async setup() {
      trace = loadTrace(o);
    },
    async sample() {
      if (!trace) throw new Error('cell not set up');
      const n = invocationCount(trace);
      ctx.log?.(
        `${label}: replaying ${n} invocations of ${trace.functions.length} functions, ${Math.round(trace.durationMs / 60_000)} min of trace in ${Math.round(trace.durationMs / o.compress / 1000)} s (${o.compress}× compressed)`,
      );
      const r = await replay({
        adapter: ctx.adapter,
        deployment: ctx.deployment,
        request: ctx.request,
        trace,
        policy,
        compress: o.compress,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
      });
      const rows = traceRows(ctx, policy, o, r);
      const late = rows.find((x) => x.metric === 'trace_late_count')!.value;
      const maxLag = rows.find((x) => x.metric === 'trace_max_lag_ns')!.value;
      // A few sends a little late are scheduling noise (in the rows all the same); past BEHIND_MS the machine could not keep up.
      if (maxLag > BEHIND_MS * 1e6) {
        ctx.warn(
          `${label}: the replay fell behind the trace: ${late} of ${r.invocations.length} invocations were sent more than ${LATE_MS} ms late (at most ${Math.round(maxLag / 1e6)} ms); their latency counts from the scheduled arrival`,
        );
      }
      for (const [why, count] of [...r.errors].slice(0, 5)) ctx.warn(`${label}: ${count}× ${why}`);
      if (r.interrupted) ctx.warn(`${label}: interrupted: the figures cover the replay up to the interruption`);
      return rows;
    },
    async teardown() {},
  };
}

const unfit = new Set<string>();

export const traceMode: MeasurementMode = {
  mode: 'trace',
  everyRuntime: true,
  cells(ctx) {
    const fresh = ctx.adapter.capabilities().freshInstancePerRequest;
    const policies = ctx.options.trace.policies.map(parsePolicy);
    const fitting = policies.filter((p) => policyFits(p, fresh));
    if (fitting.length === 0) {
      const key = `${ctx.adapter.id}:${ctx.options.trace.policies.join(',')}`;
      if (!unfit.has(key)) {
        unfit.add(key);
        ctx.warn(
          `trace: no policy of ${ctx.options.trace.policies.join(', ')} suits ${ctx.adapter.id} (${fresh ? "a fresh instance per request: use 'fresh'" : 'instances serving many requests: use per-request, lambda:KEEP or pool:N'})`,
        );
      }
    }
    return fitting.map((p) => traceCell(ctx, p));
  },
};

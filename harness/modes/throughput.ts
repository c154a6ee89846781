// Throughput: load on one running instance's URL from a separate generator process.
//
// One cell per runtime × workload × variant; each sample is one load step:
//   1. closed loop at each connection count, ThroughputOptions.repeats times (interleaved:
//      8, 64, 8, 64, …) so the throughput headline has an interval → throughput_rps {connections}
//   2. open loop at each offered rate (default: a sweep of fractions of the closed-loop
//      maximum) → latency_ns {rate, percentile}, measured from the *intended* send time
//      (coordinated omission corrected), in ns;
// and after the last step the headline rows: max_throughput_rps and slo_rate_rps (the
// highest offered rate whose p99 met --slo before p99 first crossed it).
// Every response is checked against the manifest; a step with any failed request is
// ok=false with the counts in its error, never averaged in.

import type { Instance } from '../../runtimes/types.js';
import { LoadGenerator } from '../load/client.js';
import { DEFAULT_SWEEP, roundRate, sloCrossing, sweepRates, type RatePoint } from '../load/sweep.js';
import { toWireRequest, type LoadResult, type Percentiles } from '../load/types.js';
import type { Cell, CellContext, MeasurementMode, SampleOut } from './types.js';

// The options (ThroughputOptions, defaults) are defined in harness/options.ts and arrive complete in ctx.options.throughput.
const SWEEP_STEPS = DEFAULT_SWEEP.length;
/** With the default sweep: extra open-loop steps bisecting between the last rate that met the SLO and the first that did not. */
const REFINE_STEPS = 2;

/** The next rate to try between the SLO's last success and first failure, or null when close enough (pure). */
export function refineRate(
  open: ReadonlyArray<{ rate: number; p99Ns: number; failed: boolean }>,
  sloNs: number,
): number | null {
  const v = sloCrossing(open, sloNs);
  if (v.crossedAtRps === null || v.sustainedRps === 0 || v.crossedAtRps / v.sustainedRps < 1.1) return null;
  const mid = roundRate((v.sustainedRps + v.crossedAtRps) / 2);
  return mid > v.sustainedRps && mid < v.crossedAtRps && !open.some((p) => p.rate === mid) ? mid : null;
}

function failures(r: LoadResult): number {
  return r.badStatus + r.mismatches + r.errors + r.timeouts;
}

function failureText(r: LoadResult): string {
  const parts = [
    r.badStatus && `${r.badStatus} wrong status`,
    r.mismatches && `${r.mismatches} wrong headers/body`,
    r.errors && `${r.errors} connection errors`,
    r.timeouts && `${r.timeouts} timeouts`,
  ].filter(Boolean);
  return `${parts.join(', ')} of ${r.sent} requests${r.firstError ? `; first: ${r.firstError}` : ''}`;
}

const PCTS: Array<[keyof Percentiles, string]> = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
  ['max', 'max'],
];

/** Rows of one load step (pure, exported for tests). */
export function stepRows(r: LoadResult, iteration: number, request: string): SampleOut[] {
  const bad = failures(r);
  const ok = bad === 0 && r.ok > 0;
  const error =
    bad > 0
      ? failureText(r)
      : r.ok === 0
        ? `no response within the ${(r.elapsedNs / 1e9).toFixed(1)} s window (${r.sent} sent)`
        : undefined;
  const base = { iteration, request };
  const gen = { connections: r.connections, ...(r.rate !== undefined ? { rate: r.rate } : {}) };
  const rows: SampleOut[] = [];
  if (r.kind === 'closed') {
    rows.push({
      ...base,
      phase: 'total',
      metric: 'throughput_rps',
      value: r.achievedRps,
      ok,
      tags: { connections: r.connections },
      ...(error ? { error } : {}),
    });
  } else {
    const lat = r.latency!;
    const saturated = r.unfinished > 0 || r.achievedRps < 0.9 * r.rate!;
    rows.push({
      ...base,
      phase: 'total',
      metric: 'latency_ns',
      value: lat.p99,
      ok,
      tags: { rate: r.rate!, percentile: 'p99' },
      ...(error ? { error } : {}),
    });
    for (const [k, name] of PCTS)
      if (k !== 'p99')
        rows.push({
          ...base,
          phase: name,
          metric: 'latency_ns',
          value: lat[k],
          ok,
          tags: { rate: r.rate!, percentile: name },
        });
    for (const [k, name] of PCTS)
      rows.push({
        ...base,
        phase: name,
        metric: 'service_time_ns',
        value: r.service![k],
        ok,
        tags: { rate: r.rate!, percentile: name },
      });
    rows.push({
      ...base,
      phase: 'p99',
      metric: 'send_lag_ns',
      value: r.sendLag!.p99,
      ok: true,
      tags: { rate: r.rate!, percentile: 'p99' },
    });
    rows.push({
      ...base,
      phase: 'achieved',
      metric: 'throughput_rps',
      value: r.achievedRps,
      ok,
      tags: { ...gen, loop: 'open', saturated },
    });
    rows.push({ ...base, phase: 'unfinished', metric: 'unfinished_count', value: r.unfinished, ok: true, tags: gen });
  }
  rows.push({ ...base, phase: 'requests', metric: 'requests_count', value: r.completed, ok: true, tags: gen });
  rows.push({
    ...base,
    phase: 'failed',
    metric: 'failed_requests_count',
    value: bad,
    ok: bad === 0,
    tags: gen,
    ...(error && bad ? { error } : {}),
  });
  rows.push({ ...base, phase: 'loadgen', metric: 'loadgen_cpu_ns', value: r.cpuNs, ok: true, tags: gen });
  rows.push({ ...base, phase: 'loadgen', metric: 'window_ns', value: r.elapsedNs, ok: true, tags: gen });
  return rows;
}

function points(open: readonly LoadResult[]): RatePoint[] {
  return open.map((r) => ({ rate: r.rate!, p99Ns: r.latency!.p99, failed: failures(r) > 0 || r.ok === 0 }));
}

/** Headline rows after the last step (pure, exported for tests). */
export function headlineRows(
  closed: LoadResult[],
  open: LoadResult[],
  sloNs: number,
  iteration: number,
  request: string,
): SampleOut[] {
  const rows: SampleOut[] = [];
  const base = { iteration, request };
  if (closed.length > 0) {
    const clean = closed.filter((r) => failures(r) === 0 && r.ok > 0);
    const best = clean.reduce<LoadResult | null>((b, r) => (!b || r.achievedRps > b.achievedRps ? r : b), null);
    rows.push(
      best
        ? {
            ...base,
            phase: 'total',
            metric: 'max_throughput_rps',
            value: best.achievedRps,
            ok: clean.length === closed.length,
            tags: { connections: best.connections },
            ...(clean.length < closed.length ? { error: 'some closed-loop steps had failed requests' } : {}),
          }
        : {
            ...base,
            phase: 'total',
            metric: 'max_throughput_rps',
            value: 0,
            ok: false,
            error: 'every closed-loop step had failed requests',
          },
    );
  }
  if (open.length > 0) {
    const v = sloCrossing(points(open), sloNs);
    rows.push({
      ...base,
      phase: 'total',
      metric: 'slo_rate_rps',
      value: v.sustainedRps,
      ok: true,
      tags: { slo_ns: sloNs, crossed_at_rps: v.crossedAtRps ?? 'none' },
    });
  }
  return rows;
}

function throughputCell(ctx: CellContext): Cell {
  const { adapter, deployment, request } = ctx;
  const o = ctx.options.throughput;
  const openSteps = o.rates.length > 0 ? o.rates.length : SWEEP_STEPS + REFINE_STEPS;
  const closedSteps = o.connections.length * o.repeats;
  const rounds = closedSteps + openSteps;
  let wire = toWireRequest(request);
  let client = o.client;
  let instance: Instance | null = null;
  let gen: LoadGenerator | null = null;
  let rates: number[] | null = null;
  const closed: LoadResult[] = [];
  const open: LoadResult[] = [];
  return {
    label: `${adapter.id}/${ctx.workload.name}/${ctx.variant}/throughput`,
    rounds,
    async setup() {
      // The run loop does not call teardown() when setup() fails: clean up here.
      try {
        instance = (await adapter.start(deployment)).instance;
        if (!instance.url) throw new Error(`${adapter.id} instances serve no HTTP URL: the throughput mode needs one`);
        if (instance.pathPrefix) wire = { ...wire, path: instance.pathPrefix + (wire.path === '/' ? '' : wire.path) };
        // autocannon's parser refuses bare-LF header lines relayed from CGI programs; ours accepts them.
        if (instance.lenientHttp) client = 'raw';
        gen = await LoadGenerator.start();
        if (o.warmupMs > 0)
          await gen.run({
            kind: 'closed',
            url: instance.url,
            request: wire,
            connections: Math.max(...o.connections),
            durationMs: o.warmupMs,
          });
      } catch (e) {
        await this.teardown().catch(() => {});
        throw e;
      }
    },
    async sample(iteration) {
      if (!instance?.url || !gen) throw new Error('cell not set up');
      let rows: SampleOut[];
      if (iteration < closedSteps) {
        const r = await gen.run({
          kind: 'closed',
          client,
          url: instance.url,
          request: wire,
          connections: o.connections[iteration % o.connections.length]!,
          durationMs: o.durationMs,
        });
        closed.push(r);
        rows = stepRows(r, iteration, request.name);
        const cpu = r.cpuNs / r.elapsedNs;
        if (cpu > 0.8)
          ctx.warn(
            `${adapter.id}/${ctx.workload.name} at ${r.connections} connections: the load generator used ${(cpu * 100).toFixed(0)}% of a core, so it may be what limits throughput_rps (try --load-client raw)`,
          );
      } else {
        if (!rates) {
          const clean = closed.filter((r) => failures(r) === 0).map((r) => r.achievedRps);
          rates = o.rates.length > 0 ? o.rates : sweepRates(Math.max(0, ...clean));
          if (o.rates.length === 0 && clean.length === 0)
            ctx.warn(`${adapter.id}/${ctx.workload.name}: no clean closed-loop step; open-loop sweep around 100 req/s`);
        }
        const k = iteration - closedSteps;
        const rate =
          k < rates.length
            ? rates[k]
            : o.rates.length === 0
              ? (refineRate(points(open), o.sloNs) ?? undefined)
              : undefined;
        if (rate === undefined) {
          // The sweep collapsed to fewer distinct rates than steps.
          return iteration === rounds - 1 ? headlineRows(closed, open, o.sloNs, iteration, request.name) : [];
        }
        const r = await gen.run({
          kind: 'open',
          url: instance.url,
          request: wire,
          connections: Math.max(...o.connections),
          durationMs: o.durationMs,
          rate,
        });
        open.push(r);
        rows = stepRows(r, iteration, request.name);
        if (r.sendLag && r.sendLag.p99 > 1e6 && r.sendLag.p99 > r.service!.p99) {
          ctx.warn(
            `${adapter.id}/${ctx.workload.name} at ${rate} req/s: requests left up to ${(r.sendLag.p99 / 1e6).toFixed(1)} ms (p99) after they were due: the server was saturated or the generator was starved of CPU (it used ${((r.cpuNs / r.elapsedNs) * 100).toFixed(0)}% of a core)`,
          );
        }
      }
      if (iteration === rounds - 1) rows.push(...headlineRows(closed, open, o.sloNs, iteration, request.name));
      return rows;
    },
    async teardown() {
      await gen?.close();
      gen = null;
      if (instance) await adapter.stop(instance);
      instance = null;
    },
  };
}

export const throughputMode: MeasurementMode = {
  mode: 'throughput',
  cells(ctx) {
    return [throughputCell(ctx)];
  },
};

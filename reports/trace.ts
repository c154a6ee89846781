// The trace mode's report (`run -m trace`, harness/modes/trace.ts): per workload, each
// runtime × policy's cold-start rate, latency from the scheduled arrival, memory held
// busy and idle (GiB-seconds of trace time), instance-hours and cost; the Pareto chart
// of cold-start rate against memory-GiB-seconds; and which policy wins at which price.
//
// "Which wins" needs a value for a cold start avoided, which no price list gives: so
// the report gives the answer for every value. A policy's cost is its memory (busy +
// idle GiB-s × the run's price per GiB-s) plus its requests plus v per cold start; as
// v grows from 0 the cheapest policy changes at break-even values, computed exactly
// (the lower envelope of those lines). Each break-even is also stated in GiB-seconds
// per avoided cold start (v ÷ price), which does not depend on the price. Pure:
// reads results rows only (model/).

import type { RunResults } from '../model/results/reader.js';
import { quantile } from '../model/stats/descriptive.js';
import type { ChartSpec } from './charts.js';

export interface TracePoint {
  workload: string;
  runtime: string;
  variant: string;
  policy: string;
  invocations: number;
  coldStarts: number;
  /** Cold starts ÷ invocations, 0..1. */
  coldRate: number;
  failed: number;
  late: number;
  maxLagNs: number;
  p50Ns: number | null;
  p99Ns: number | null;
  busyGibS: number;
  idleGibS: number;
  instanceHours: number;
  /** At the run's prices. */
  costUsd: number;
}

export interface Prices {
  gibSecondUsd: number;
  requestUsd: number;
}

/** When a results header states none (it always does for runs of this version): AWS Lambda x86 list prices, as harness/trace/accounting.ts. */
const FALLBACK_PRICES: Prices = { gibSecondUsd: 0.0000166667, requestUsd: 0.0000002 };

export interface WinnerSegment {
  /** Value of one avoided cold start, USD: this policy is cheapest from `fromUsd` up to `toUsd` (Infinity: and beyond). */
  fromUsd: number;
  toUsd: number;
  point: TracePoint;
}

export interface TraceWorkloadReport {
  workload: string;
  points: TracePoint[];
  /** Points no other beats on both cold-start rate and memory, by memory. */
  front: TracePoint[];
  winners: WinnerSegment[];
  prices: Prices;
  /** What the header says of the trace (source settings, compression). */
  traceConfig: Record<string, unknown> | null;
}

/** A send this late means the replay fell behind (harness/trace/driver.ts, BEHIND_MS). */
const BEHIND_NS = 100e6;

const label = (p: TracePoint) => `${p.runtime}/${p.variant} ${p.policy}`;
const gibS = (p: TracePoint) => p.busyGibS + p.idleGibS;

function pricesOf(run: RunResults): Prices {
  const t = run.header.config.trace as Partial<Prices> | undefined;
  return {
    gibSecondUsd: typeof t?.gibSecondUsd === 'number' ? t.gibSecondUsd : FALLBACK_PRICES.gibSecondUsd,
    requestUsd: typeof t?.requestUsd === 'number' ? t.requestUsd : FALLBACK_PRICES.requestUsd,
  };
}

/** Every runtime × variant × policy of every run's trace rows, per workload (a later run's cell replaces an earlier one's). */
export function tracePoints(
  runs: readonly RunResults[],
): Map<string, { points: TracePoint[]; prices: Prices; traceConfig: Record<string, unknown> | null }> {
  const out = new Map<
    string,
    { points: Map<string, TracePoint>; prices: Prices; traceConfig: Record<string, unknown> | null }
  >();
  for (const run of runs) {
    const cells = new Map<
      string,
      {
        totals: Map<string, number>;
        latencies: number[];
        workload: string;
        runtime: string;
        variant: string;
        policy: string;
      }
    >();
    for (const s of run.samples) {
      if (s.mode !== 'trace' || s.phase !== 'total' || typeof s.tags?.policy !== 'string') continue;
      const key = [s.workload, s.runtime, s.variant, s.tags.policy].join('\u0000');
      let c = cells.get(key);
      if (!c)
        cells.set(
          key,
          (c = {
            totals: new Map(),
            latencies: [],
            workload: s.workload,
            runtime: s.runtime,
            variant: s.variant,
            policy: s.tags.policy,
          }),
        );
      if (s.metric === 'trace_latency_ns') {
        if (s.ok) c.latencies.push(s.value);
      } else c.totals.set(s.metric, s.value);
    }
    for (const c of cells.values()) {
      const v = (m: string) => c.totals.get(m) ?? 0;
      if (!c.totals.has('trace_invocations_count')) continue; // a replay cut short before its totals
      const invocations = v('trace_invocations_count');
      const p: TracePoint = {
        workload: c.workload,
        runtime: c.runtime,
        variant: c.variant,
        policy: c.policy,
        invocations,
        coldStarts: v('trace_cold_starts_count'),
        coldRate: invocations ? v('trace_cold_starts_count') / invocations : 0,
        failed: v('trace_failed_count'),
        late: v('trace_late_count'),
        maxLagNs: v('trace_max_lag_ns'),
        p50Ns: c.latencies.length ? quantile(c.latencies, 0.5) : null,
        p99Ns: c.latencies.length ? quantile(c.latencies, 0.99) : null,
        busyGibS: v('trace_memory_busy_kib_s') / 2 ** 20,
        idleGibS: v('trace_memory_idle_kib_s') / 2 ** 20,
        instanceHours: v('trace_instance_ms') / 3_600_000,
        costUsd: v('trace_cost_nusd') / 1e9,
      };
      let w = out.get(c.workload);
      if (!w)
        out.set(
          c.workload,
          (w = {
            points: new Map(),
            prices: pricesOf(run),
            traceConfig: (run.header.config.trace as Record<string, unknown> | undefined) ?? null,
          }),
        );
      w.points.set(label(p), p);
    }
  }
  return new Map(
    [...out].map(([k, w]) => [k, { points: [...w.points.values()], prices: w.prices, traceConfig: w.traceConfig }]),
  );
}

/** The points no other point beats on both axes (lower cold-start rate and less memory), ordered by memory. */
export function paretoFront(points: readonly TracePoint[]): TracePoint[] {
  const front = points.filter(
    (p) =>
      !points.some(
        (q) =>
          q !== p && q.coldRate <= p.coldRate && gibS(q) <= gibS(p) && (q.coldRate < p.coldRate || gibS(q) < gibS(p)),
      ),
  );
  return front.sort((a, b) => gibS(a) - gibS(b) || a.coldRate - b.coldRate);
}

/**
 * The cheapest point for every value v ≥ 0 of an avoided cold start: cost(v) = memory
 * + requests + v × cold starts, a line per point; the walk along their lower envelope
 * from v = 0 gives each winner and the value where the next one takes over.
 */
export function winnersByValue(points: readonly TracePoint[], prices: Prices): WinnerSegment[] {
  if (points.length === 0) return [];
  const a = (p: TracePoint) => gibS(p) * prices.gibSecondUsd + p.invocations * prices.requestUsd;
  const b = (p: TracePoint) => p.coldStarts;
  let cur = [...points].sort((x, y) => a(x) - a(y) || b(x) - b(y))[0]!;
  let v = 0;
  const out: WinnerSegment[] = [];
  for (;;) {
    let next: TracePoint | null = null;
    let at = Infinity;
    for (const q of points) {
      if (b(q) >= b(cur)) continue;
      const x = Math.max(v, (a(q) - a(cur)) / (b(cur) - b(q)));
      if (x < at || (x === at && next && b(q) < b(next))) {
        at = x;
        next = q;
      }
    }
    if (!next) {
      out.push({ fromUsd: v, toUsd: Infinity, point: cur });
      return out;
    }
    if (at > v) out.push({ fromUsd: v, toUsd: at, point: cur });
    v = at;
    cur = next;
  }
}

export function traceReports(runs: readonly RunResults[]): TraceWorkloadReport[] {
  return [...tracePoints(runs)].map(([workload, w]) => ({
    workload,
    points: w.points,
    front: paretoFront(w.points),
    winners: winnersByValue(w.points, w.prices),
    prices: w.prices,
    traceConfig: w.traceConfig,
  }));
}

const usd = (x: number) => (x === 0 ? '$0' : x >= 0.01 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`);
const ms = (ns: number | null) =>
  ns === null ? '–' : ns < 1e6 ? `${(ns / 1e3).toFixed(0)} µs` : `${(ns / 1e6).toFixed(ns < 1e8 ? 1 : 0)} ms`;
const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)} %`;

/** One sentence per winner segment: "Worth less than $X (Y GiB-s) per cold start avoided: A; from … : B; …". */
export function winnersSentence(r: TraceWorkloadReport): string {
  if (r.winners.length === 0) return '';
  const gib = (v: number) => {
    const x = v / r.prices.gibSecondUsd;
    return `${x >= 100 ? Math.round(x) : x >= 1 ? x.toFixed(1) : x.toPrecision(2)} GiB-s`;
  };
  const parts = r.winners.map((s, i) => {
    const who = label(s.point);
    if (r.winners.length === 1) return `${who} is cheapest whatever an avoided cold start is worth`;
    if (i === 0) return `up to ${usd(s.toUsd)} (${gib(s.toUsd)}) per avoided cold start, ${who} is cheapest`;
    if (s.toUsd === Infinity) return `above ${usd(s.fromUsd)} (${gib(s.fromUsd)}), ${who}`;
    return `from ${usd(s.fromUsd)} to ${usd(s.toUsd)}, ${who}`;
  });
  return `At ${usd(r.prices.gibSecondUsd)} per GiB-second and ${usd(r.prices.requestUsd)} per request: ${parts.join('; ')}.`;
}

/** The Markdown section: a table per workload, its Pareto front and who wins at which price. */
export function traceMarkdown(runs: readonly RunResults[]): string {
  const reports = traceReports(runs);
  if (reports.length === 0) return '';
  const lines: string[] = ['', '## Trace-driven load: what pre-warming costs and what it saves', ''];
  for (const r of reports) {
    const c = r.traceConfig;
    lines.push(`### ${r.workload}`, '');
    if (c)
      lines.push(
        `Trace: ${c.file ? `file ${String(c.file)}` : `synthetic, seed ${String(c.seed)}, cap ${String(c.maxPerMinute)}/min`}; ${String(c.functions)} functions, ${String(c.hours)} h, replayed ${String(c.compress)}× compressed. Memory and instance time in trace time (idle × compression, busy as it happened); latency from the scheduled arrival, as measured; "late": sends more than 10 ms after their arrival.`,
        '',
      );
    lines.push(
      '| runtime | variant | policy | invocations | cold-start rate | p50 | p99 | GiB-s busy | GiB-s idle | instance-h | cost | late | failed |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const p of [...r.points].sort((x, y) => gibS(x) - gibS(y))) {
      lines.push(
        `| ${p.runtime} | ${p.variant} | ${p.policy} | ${p.invocations} | ${pct(p.coldRate)} | ${ms(p.p50Ns)} | ${ms(p.p99Ns)} | ${p.busyGibS.toFixed(2)} | ${p.idleGibS.toFixed(2)} | ${p.instanceHours.toFixed(2)} | ${usd(p.costUsd)} | ${p.late} | ${p.failed} |`,
      );
    }
    lines.push(
      '',
      `Pareto front (no other policy has both fewer cold starts and less memory): ${r.front.map(label).join(', ')}.`,
      '',
      winnersSentence(r),
      '',
    );
    const behind = r.points.filter((p) => p.maxLagNs > BEHIND_NS);
    if (behind.length)
      lines.push(
        `The replay fell behind the trace for ${behind.map((p) => `${label(p)} (up to ${ms(p.maxLagNs)} late)`).join(', ')}: this machine could not keep up at this compression; their latency counts from the scheduled arrival.`,
        '',
      );
  }
  return lines.join('\n');
}

/** The Pareto chart per workload: cold-start rate against memory-GiB-seconds, a point per runtime × policy, the front joined. */
export function traceCharts(
  runs: readonly RunResults[],
  palette: ReadonlyMap<string, string> = new Map(),
): ChartSpec[] {
  return traceReports(runs).map((r) => {
    const values = r.points.map((p) => ({
      runtime: p.runtime,
      label: `${p.runtime} ${p.policy}`,
      policy: p.policy,
      gib: gibS(p),
      cold: p.coldRate * 100,
      p99: p.p99Ns === null ? null : p.p99Ns / 1e6,
      front: r.front.includes(p),
    }));
    const runtimes = [...new Set(values.map((v) => v.runtime))];
    const color = {
      field: 'runtime',
      type: 'nominal',
      title: 'runtime',
      scale: { domain: runtimes, range: runtimes.map((id) => palette.get(id) ?? '#5e81ac') },
    };
    const x = {
      field: 'gib',
      type: 'quantitative',
      title: 'memory held, GiB-seconds (busy + idle, trace time)',
      scale: { type: 'symlog' },
    };
    const y = { field: 'cold', type: 'quantitative', title: 'cold-start rate, % of invocations' };
    return {
      id: `trace-pareto-${r.workload.replace(/[^A-Za-z0-9_-]/g, '_')}`,
      title: `Pre-warming: cold starts avoided against memory held (${r.workload})`,
      caption: `Each point is a runtime under a scaling policy replaying the same trace; down is fewer cold starts, left is less memory; the line joins the Pareto front. ${winnersSentence(r)}`,
      workload: r.workload,
      group: 'detail',
      tab: 'Trace: pre-warming trade-off',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        width: 520,
        height: 320,
        data: { values },
        layer: [
          {
            transform: [{ filter: 'datum.front' }],
            mark: { type: 'line', color: '#9aa1ad', strokeDash: [4, 3] },
            encoding: { x, y, order: { field: 'gib', type: 'quantitative' } },
          },
          {
            mark: { type: 'point', filled: true, size: 90 },
            encoding: {
              x,
              y,
              color,
              tooltip: [
                { field: 'label' },
                { field: 'cold', title: 'cold-start %', format: '.2f' },
                { field: 'gib', title: 'GiB-s', format: '.2f' },
                { field: 'p99', title: 'p99 ms', format: '.1f' },
              ],
            },
          },
          {
            mark: { type: 'text', dx: 6, dy: -8, align: 'left', fontSize: 10 },
            encoding: { x, y, text: { field: 'policy' } },
          },
        ],
      },
    };
  });
}

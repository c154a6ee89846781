// What a replay cost and what it bought, from the driver's records (pure): cold-start
// rate, memory held busy and idle, instance time, the late sends, and a price. Times
// in the records are wall ms from the replay's start; the totals are in *trace* time:
// only the gaps between requests are compressed, so idle time counts wall × compression
// (a keep-alive policy is charged what it would hold over the real hour or day), while
// busy time (starting, serving) counts as it happened: a cold start or a request takes
// what it took, compressed or not. Latencies are never scaled.
//
// Memory of an instance: what its runtime reported once it had answered (PSS, else
// cgroup, else RSS), else the last figure of another instance of the same deployment,
// else an assumed size (counted in `memoryAssumed`). Held from the start of its start()
// (or the replay's start for pre-warmed instances) until stop() was called (or the end
// of the replay); busy while it starts or serves a request (the union of those
// intervals: an app serving many requests at once is busy once), idle otherwise.

export interface InvocationRecord {
  fn: number;
  /** Wall ms from the replay's start: when it was due, when it was sent, when its response was complete. */
  scheduledMs: number;
  sentMs: number;
  endMs: number;
  /** Served by an instance started for it (it waited for a start()). */
  cold: boolean;
  ok: boolean;
  error?: string;
  /** Its instance's start() duration, ms, when cold. */
  startMs?: number;
}

export interface InstanceRecord {
  fn: number;
  fromMs: number;
  /** When stop() was called; null: still held at the end. */
  toMs: number | null;
  bytes: number | null;
  /** Intervals [from, to) it was starting or serving. */
  busy: Array<[number, number]>;
  /** Pre-warmed by the policy (a pool member). */
  warm: boolean;
}

/** Prices of the cost model. Defaults: AWS Lambda on x86 in us-east-1 (published price list, 2024): $0.0000166667 per GiB-second, $0.20 per million requests. */
export interface Prices {
  gibSecondUsd: number;
  requestUsd: number;
}

export const DEFAULT_PRICES: Prices = { gibSecondUsd: 0.0000166667, requestUsd: 0.0000002 };

export interface AccountOptions {
  /** End of the accounting window, wall ms (the trace's end or the last response, whichever is later). */
  endMs: number;
  compress: number;
  prices: Prices;
  /** Size charged for an instance whose memory nobody measured. */
  assumedBytes: number;
  /** A send later than this after its arrival counts as late, wall ms. */
  lateMs: number;
}

export interface TraceTotals {
  invocations: number;
  failed: number;
  coldStarts: number;
  /** Cold starts per million invocations. */
  coldStartPpm: number;
  late: number;
  maxLagMs: number;
  /** Memory held, KiB-seconds of trace time (busy as it happened, idle × compression). */
  busyKiBs: number;
  idleKiBs: number;
  /** Instances held, ms of trace time (busy as it happened + idle × compression). */
  instanceMs: number;
  peakInstances: number;
  /** Instances whose memory was assumed, not measured. */
  memoryAssumed: number;
  /** Memory (busy + idle) and requests at `prices`, nano-USD. */
  costNusd: number;
}

/** Length of the union of intervals clipped to [lo, hi). */
export function unionLength(intervals: ReadonlyArray<readonly [number, number]>, lo: number, hi: number): number {
  const xs = intervals
    .map(([a, b]) => [Math.max(a, lo), Math.min(b, hi)] as const)
    .filter(([a, b]) => b > a)
    .sort((p, q) => p[0] - q[0]);
  let total = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const [a, b] of xs) {
    if (a > curB) {
      if (curB > curA) total += curB - curA;
      curA = a;
      curB = b;
    } else curB = Math.max(curB, b);
  }
  if (curB > curA) total += curB - curA;
  return total;
}

/** Most instances held at once over [0, endMs]. */
function peak(instances: readonly InstanceRecord[], endMs: number): number {
  const edges: Array<[number, number]> = [];
  for (const i of instances) {
    const from = Math.max(0, i.fromMs);
    const to = Math.min(i.toMs ?? endMs, endMs);
    if (to > from) edges.push([from, 1], [to, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let best = 0;
  for (const [, d] of edges) best = Math.max(best, (n += d));
  return best;
}

export function account(
  invocations: readonly InvocationRecord[],
  instances: readonly InstanceRecord[],
  o: AccountOptions,
): TraceTotals {
  let busyKiBms = 0;
  let idleKiBms = 0;
  let traceMs = 0;
  let memoryAssumed = 0;
  for (const i of instances) {
    const from = Math.max(0, i.fromMs);
    const to = Math.min(i.toMs ?? o.endMs, o.endMs);
    const held = Math.max(0, to - from);
    const busy = Math.min(held, unionLength(i.busy, from, to));
    if (i.bytes === null) memoryAssumed++;
    const kib = (i.bytes ?? o.assumedBytes) / 1024;
    busyKiBms += kib * busy;
    idleKiBms += kib * (held - busy);
    traceMs += busy + (held - busy) * o.compress;
  }
  const coldStarts = invocations.filter((x) => x.cold).length;
  let late = 0;
  let maxLagMs = 0;
  for (const x of invocations) {
    const lag = x.sentMs - x.scheduledMs;
    if (lag > o.lateMs) late++;
    maxLagMs = Math.max(maxLagMs, lag);
  }
  // Trace time: idle wall × compression, busy as it happened.
  const busyKiBs = busyKiBms / 1000;
  const idleKiBs = (idleKiBms / 1000) * o.compress;
  const gibSeconds = (busyKiBs + idleKiBs) / 2 ** 20;
  const costUsd = gibSeconds * o.prices.gibSecondUsd + invocations.length * o.prices.requestUsd;
  return {
    invocations: invocations.length,
    failed: invocations.filter((x) => !x.ok).length,
    coldStarts,
    coldStartPpm: invocations.length ? Math.round((coldStarts / invocations.length) * 1e6) : 0,
    late,
    maxLagMs,
    busyKiBs: Math.round(busyKiBs),
    idleKiBs: Math.round(idleKiBs),
    instanceMs: Math.round(traceMs),
    peakInstances: peak(instances, o.endMs),
    memoryAssumed,
    costNusd: Math.round(costUsd * 1e9),
  };
}

// A trace: when each function of a set is invoked, in trace time (ms from the
// trace's start). Produced by the synthetic generator (synthetic.ts) or read from
// the public Azure Functions trace layout (azure.ts), replayed by the driver
// (driver.ts) compressed in time. Pure data: nothing here does I/O.

export interface TraceFunction {
  /** Unique within the trace (a hash triple for Azure rows, `fNNN` for synthetic ones). */
  id: string;
  /** Trigger group as in the Azure trace: http, timer, queue, event, orchestration, storage, others. */
  trigger: string;
  /** Arrival times in trace ms from the trace's start, ascending, each in [0, durationMs). */
  arrivalsMs: number[];
}

export interface Trace {
  /** One line saying where it came from, for the results header and the report. */
  source: string;
  /** Length in trace time, ms. */
  durationMs: number;
  functions: TraceFunction[];
}

/** One arrival of the merged trace: which function, when (trace ms). */
export interface Arrival {
  fn: number;
  atMs: number;
}

/** Every function's arrivals merged into one list ordered by time (ties by function index: deterministic). */
export function mergedArrivals(trace: Trace): Arrival[] {
  const out: Arrival[] = [];
  trace.functions.forEach((f, fn) => {
    for (const atMs of f.arrivalsMs) out.push({ fn, atMs });
  });
  return out.sort((a, b) => a.atMs - b.atMs || a.fn - b.fn);
}

/** Total invocations of a trace. */
export function invocationCount(trace: Trace): number {
  return trace.functions.reduce((s, f) => s + f.arrivalsMs.length, 0);
}

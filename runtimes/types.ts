// The one interface every runtime adapter implements. The harness (measurement
// modes, run loop) only ever talks to runtimes through this file's types, so a mode
// knows nothing of Docker, WASI or the Lambda Runtime API.

import type { LoadedWorkload, VariantKind } from '../model/workload.js';

export type { VariantKind } from '../model/workload.js';

/** 'micro': in-process micro-phases (compile, WASI setup, instantiate, run) of the reference runtime, timed with tinybench. */
export type Mode = 'cold' | 'warm' | 'throughput' | 'density' | 'micro';
export const MODES: readonly Mode[] = ['cold', 'warm', 'throughput', 'density', 'micro'];

export interface Capabilities {
  /** Workload variants this runtime can run. */
  variants: VariantKind[];
  /** Measurement modes this runtime supports. */
  modes: Mode[];
  /**
   * True when every request is served by a fresh instance (the WAGI model): then
   * the per-request latency of a running app *is* the instance cold start, and
   * start() is the app cold start (module not yet compiled).
   */
  freshInstancePerRequest: boolean;
}

export type Availability = { ok: true; detail?: string } | { ok: false; reason: string };

/** A workload variant made ready to start (module read, image built, ...). */
export interface Deployment {
  runtime: string;
  workload: LoadedWorkload;
  variant: VariantKind;
  /** Adapter-private state. */
  readonly data?: unknown;
}

/** Something that serves requests: an app, a container, a process, an environment. */
export interface Instance {
  id: string;
  deployment: Deployment;
  /** Base URL when the instance serves HTTP (always 127.0.0.1). */
  url?: string;
  /**
   * For load generators hitting `url` directly: a path prefix the function lives
   * under (busybox httpd serves CGI at /cgi-bin/fn), and whether the server relays
   * CGI header lines as written (bare LF), which strict HTTP parsers refuse.
   */
  pathPrefix?: string;
  lenientHttp?: boolean;
  readonly data?: unknown;
}

export interface FunctionRequest {
  method: string;
  /** Path, starting with '/', without the query string. */
  path: string;
  /** Raw query string without '?', possibly empty. */
  query: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface FunctionResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Phase durations in nanoseconds, in the order they happened. */
export type Phases = Array<{ phase: string; ns: number }>;

export interface StartResult {
  instance: Instance;
  /** e.g. compile, create, start, listen, init. Time to first response is added by the harness. */
  phases: Phases;
}

export interface InvokeResult {
  response: FunctionResponse;
  /** Trigger → complete response, as seen by the caller, in ns. */
  totalNs: number;
  /** What the runtime reports of its inside (Server-Timing, Lambda init/invoke, ...). */
  phases: Phases;
}

export interface MemoryUsage {
  rssBytes?: number;
  pssBytes?: number;
  cgroupBytes?: number;
}

/** A figure an adapter measured of itself over a run (a pool's idle cost, ...). */
export interface AdapterMeasurement {
  workload: string;
  variant: VariantKind;
  /** Unit in the name, integer value in base units, as for samples. */
  metric: string;
  value: number;
  tags?: Record<string, string | number | boolean>;
}

export interface RuntimeAdapter {
  readonly id: string;
  readonly description: string;
  capabilities(): Capabilities;
  /** Can this runtime run here? If not, say why so the run can go on without it. */
  available(): Promise<Availability>;
  prepare(workload: LoadedWorkload, variant: VariantKind): Promise<Deployment>;
  /** A cold start: a new instance (for fresh-per-request runtimes, a new app). */
  start(deployment: Deployment): Promise<StartResult>;
  invoke(instance: Instance, request: FunctionRequest): Promise<InvokeResult>;
  stop(instance: Instance): Promise<void>;
  usage?(instance: Instance): Promise<MemoryUsage>;
  /** What the adapter measured of itself; written to the results once, before dispose. */
  runReport?(): AdapterMeasurement[];
  /** Release everything this adapter created (called on exit and Ctrl-C). */
  dispose(): Promise<void>;
  /** Versions and flags for the results header. */
  describeEnvironment?(): Promise<Record<string, string>>;
}

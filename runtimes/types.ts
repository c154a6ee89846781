// The one interface every runtime adapter implements. The harness (measurement
// modes, run loop) only ever talks to runtimes through this file's types, so a mode
// knows nothing of Docker, WASI or the Lambda Runtime API.

import type { LoadedWorkload, VariantKind } from '../model/workload.js';

export type { VariantKind } from '../model/workload.js';

/**
 * 'micro': in-process micro-phases (compile, WASI setup, instantiate, run) of the reference runtime, timed with tinybench.
 * 'trace': a replayed invocation trace under scaling policies (harness/modes/trace.ts); it drives any runtime
 * through start/invoke/stop, so adapters need not list it.
 */
export type Mode = 'cold' | 'warm' | 'throughput' | 'density' | 'micro' | 'trace';
export const MODES: readonly Mode[] = ['cold', 'warm', 'throughput', 'density', 'micro', 'trace'];

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
  /**
   * False when instances come up but nothing runs to answer (Kubernetes nodes simulated
   * by kwok): cold start is then measured to ready (metric `cold_start_ready_ns`, no
   * first response) and density counts ready instances. Absent: true.
   */
  servesRequests?: boolean;
}

export type Availability = { ok: true; detail?: string } | { ok: false; reason: string };

/**
 * A workload variant made ready to start (module read, image built, ...). `data` is
 * the adapter's private state, of type `D`: declared once per adapter
 * (RuntimeAdapter<D, I>); the harness never looks inside and keeps the default.
 */
export interface Deployment<D = unknown> {
  runtime: string;
  workload: LoadedWorkload;
  variant: VariantKind;
  /**
   * The series this deployment stands for when an adapter prepares several of one
   * variant (prepareSeries: preinit=wizer, reuse=128): the run loop writes them on
   * every sample row of its cells, so each is a series of its own.
   */
  readonly tags?: Readonly<Record<string, string | number>>;
  readonly data?: D;
}

/** A series an adapter cannot prepare for this workload variant: its tags and why, in one sentence. */
export interface RefusedSeries {
  tags: Readonly<Record<string, string | number>>;
  refused: string;
}

/**
 * Something that serves requests: an app, a container, a process, an environment.
 * `I`: the adapter's state of the instance, `D`: of its deployment.
 */
export interface Instance<I = unknown, D = unknown> {
  id: string;
  deployment: Deployment<D>;
  /** Base URL when the instance serves HTTP (always 127.0.0.1). */
  url?: string;
  /**
   * For load generators hitting `url` directly: a path prefix the function lives
   * under (busybox httpd serves CGI at /cgi-bin/fn), and whether the server relays
   * CGI header lines as written (bare LF), which strict HTTP parsers refuse.
   */
  pathPrefix?: string;
  lenientHttp?: boolean;
  readonly data?: I;
}

/**
 * A deployment as its own adapter sees it: its state is there (the adapter put it
 * there in prepare()), so the adapter's methods take these and read `data` without a
 * cast or a non-null assertion.
 */
export type OwnDeployment<D> = Deployment<D> & { readonly data: D };
/** An instance as its own adapter sees it (see OwnDeployment). */
export type OwnInstance<I, D = unknown> = Instance<I, D> & { readonly data: I; deployment: OwnDeployment<D> };

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

/** `Inst`: the instance's type as its adapter sees it (an OwnInstance), Instance for the harness. */
export interface StartResult<Inst extends Instance = Instance> {
  instance: Inst;
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

/**
 * A runtime. `D` and `I` are its deployment's and instance's private state: an
 * adapter declares them once (`implements RuntimeAdapter<D, I>`) and its methods take
 * OwnDeployment<D> / OwnInstance<I, D>. The harness holds every adapter as
 * RuntimeAdapter (unknown state) and only hands an adapter back what it gave out.
 */
export interface RuntimeAdapter<D = unknown, I = unknown> {
  readonly id: string;
  readonly description: string;
  capabilities(): Capabilities;
  /** Can this runtime run here? If not, say why so the run can go on without it. */
  available(): Promise<Availability>;
  prepare(workload: LoadedWorkload, variant: VariantKind): Promise<Deployment<D>>;
  /**
   * When the adapter measures axes of its own (the reference runtime's preinit and
   * reuse N): one tagged deployment per series, or why a series does not apply. The
   * run loop calls this instead of prepare() when it is there.
   */
  prepareSeries?(workload: LoadedWorkload, variant: VariantKind): Promise<Array<Deployment<D> | RefusedSeries>>;
  /** A cold start: a new instance (for fresh-per-request runtimes, a new app). */
  start(deployment: Deployment<D>): Promise<StartResult<Instance<I, D>>>;
  invoke(instance: Instance<I, D>, request: FunctionRequest): Promise<InvokeResult>;
  stop(instance: Instance<I, D>): Promise<void>;
  usage?(instance: Instance<I, D>): Promise<MemoryUsage>;
  /**
   * Drop what this adapter keeps that outlives its instances (a shared serve process
   * and the memory it grew), so a memory measurement that follows starts as from
   * nothing. Called with no instance live (the density mode, before each ramp); an
   * adapter without such state has no need of it.
   */
  freshHost?(): Promise<void>;
  /** What the adapter measured of itself; written to the results once, before dispose. */
  runReport?(): AdapterMeasurement[];
  /** Release everything this adapter created (called on exit and Ctrl-C). */
  dispose(): Promise<void>;
  /**
   * Versions and flags for the results header (`<id>.<key>` in its versions). Not
   * "environment": that word is Lambda's execution environment.
   */
  describeVersions?(): Promise<Record<string, string>>;
  /** Renamed describeVersions; typed `never` so an adapter still defining it fails to compile instead of silently dropping its versions. */
  describeEnvironment?: never;
}

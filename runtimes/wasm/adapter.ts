// The reference Wasm runtime as a runtime adapter. referenceWasmAdapter() (below) is
// the `wasm` runtime as the harness measures it: `faasbench serve` in its own process
// (served-adapter.ts). WasmAdapter is the in-process form, kept for the engine-only
// view (inProcessWasmAdapter()) and tests of an executor: in-process, fresh instance per
// request behind a WAGI HTTP trigger. start() is the *app* cold start (module not yet
// compiled: compile + listen); every request after it is an *instance* cold start.
//
// Limits: module size, table size and data segments are checked at load (module.ts);
// guest instances run one per guest thread, so the executor's thread count bounds the
// instances running at once; and live apps (start() without stop()) are bounded by
// maxInstances: each holds a listening socket (a file descriptor) and its own compiled
// code, so without a bound a density run or a leak would end in EMFILE or the OOM
// killer instead of a sentence.

import http from 'node:http';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { httpInvoke } from '../shared/http.js';
import type {
  Availability,
  Capabilities,
  FunctionRequest,
  InvokeResult,
  OwnDeployment,
  OwnInstance,
  RuntimeAdapter,
  StartResult,
} from '../types.js';
import type { Executor, GuestFs } from './executor.js';
import {
  DEFAULT_MODULE_LIMITS,
  compileCommand,
  readWasmFile,
  withNonce,
  type ModuleLimits,
  type PrepareOptions,
} from './module.js';
import { GuestThreadExecutor } from './guest-threads.js';
import { ServedWasmAdapter } from './served-adapter.js';
import { startWagiServer, type WagiServer } from './server.js';
import type { WasmSeriesConfig } from './series.js';

interface WasmDeployment {
  bytes: Uint8Array;
  name: string;
  fs?: GuestFs;
}
interface WasmInstanceData {
  server: WagiServer;
  agent: http.Agent;
  module: WebAssembly.Module;
}
type WasmInstance = OwnInstance<WasmInstanceData, WasmDeployment>;

export interface WasmAdapterOptions {
  id: string;
  description: string;
  executor: () => Executor;
  /** Memory cap and pooling (module.ts). */
  module?: PrepareOptions;
  /** The filesystem each request's instance gets (default: none). */
  fs?: GuestFs;
  /** Live instances (apps started and not stopped) at most. Default DEFAULT_MAX_INSTANCES. */
  maxInstances?: number;
}

/** Default bound on live apps per adapter: 4× the density mode's default of 1000. Each holds a listening socket, so `ulimit -n` must be above it. */
export const DEFAULT_MAX_INSTANCES = 4096;

export class WasmAdapter implements RuntimeAdapter<WasmDeployment, WasmInstanceData> {
  readonly id: string;
  readonly description: string;
  private readonly executor: Executor;
  private readonly moduleOptions: PrepareOptions;
  private readonly live = new Set<WasmInstance>();
  /** start() calls under way, counted against maxInstances with the live ones. */
  private starting = 0;
  private readonly maxInstances: number;
  private nonce = 0;
  private readonly fs: GuestFs | undefined;

  constructor(opts: WasmAdapterOptions) {
    this.id = opts.id;
    this.description = opts.description;
    this.executor = opts.executor();
    this.moduleOptions = opts.module ?? {};
    this.fs = opts.fs;
    this.maxInstances = opts.maxInstances ?? DEFAULT_MAX_INSTANCES;
    if (!Number.isInteger(this.maxInstances) || this.maxInstances < 1)
      throw new RangeError(`${this.id}: maxInstances must be a whole number ≥ 1, got ${this.maxInstances}`);
  }

  capabilities(): Capabilities {
    return {
      variants: ['wasm'],
      modes: ['cold', 'warm', 'throughput', 'density', 'micro'],
      freshInstancePerRequest: true,
    };
  }

  async available(): Promise<Availability> {
    return { ok: true, detail: `in-process, ${this.executor.name}` };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<WasmDeployment>> {
    const path = workload.variantPaths.wasm;
    if (variant !== 'wasm' || !path)
      throw new Error(`${this.id} runs only the wasm variant; ${workload.name} has none`);
    const bytes = readWasmFile(path, this.moduleOptions.maxModuleBytes ?? DEFAULT_MODULE_LIMITS.maxModuleBytes);
    await compileCommand(bytes, workload.name, this.moduleOptions);
    // The manifest may ask for a private scratch directory per request (e.g. /tmp).
    const scratch = workload.manifest.wasi?.scratch;
    const fs: GuestFs | undefined = scratch ? { ...this.fs, scratch } : this.fs;
    const data: WasmDeployment = { bytes, name: workload.name, ...(fs ? { fs } : {}) };
    return { runtime: this.id, workload, variant, data };
  }

  async start(d: OwnDeployment<WasmDeployment>): Promise<StartResult<WasmInstance>> {
    const { bytes, name, fs } = d.data;
    if (this.live.size + this.starting >= this.maxInstances) {
      throw new Error(
        `${this.id}: cannot start another instance of ${name}: ${this.live.size + this.starting} are live, the limit of live instances (maxInstances)`,
      );
    }
    this.starting++;
    let module: WebAssembly.Module;
    let server: WagiServer;
    const t0 = process.hrtime.bigint();
    let t1: bigint;
    try {
      module = await compileCommand(withNonce(bytes, ++this.nonce), name, this.moduleOptions);
      t1 = process.hrtime.bigint();
      server = await startWagiServer({ module, executor: this.executor, name, ...(fs ? { fs } : {}) });
    } finally {
      this.starting--;
    }
    const t2 = process.hrtime.bigint();
    const data: WasmInstanceData = { server, agent: new http.Agent({ keepAlive: true, maxSockets: 64 }), module };
    const instance: WasmInstance = { id: `${this.id}-${name}-${this.nonce}`, deployment: d, url: server.url, data };
    this.live.add(instance);
    return {
      instance,
      phases: [
        { phase: 'compile', ns: Number(t1 - t0) },
        { phase: 'listen', ns: Number(t2 - t1) },
      ],
    };
  }

  invoke(i: WasmInstance, r: FunctionRequest): Promise<InvokeResult> {
    return httpInvoke(i.url!, r, i.data.agent);
  }

  async stop(i: WasmInstance): Promise<void> {
    const { server, agent, module } = i.data;
    agent.destroy();
    await server.close();
    // Its module is never run again (the next start compiles anew): the guest threads drop it.
    this.executor.forget?.(module);
    this.live.delete(i);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((i) => this.stop(i)));
    await this.executor.close();
  }

  async describeVersions(): Promise<Record<string, string>> {
    return { executor: this.executor.name, v8: process.versions.v8 };
  }
}

export interface ReferenceWasmOptions extends Partial<ModuleLimits> {
  /** Per-request wall-clock deadline (default 10 s): past it the guest is stopped and the client gets a 504. */
  deadlineMs?: number;
  /** Per-function memory cap (default 256 MiB): memory.grow past it fails inside the guest. */
  memoryCapBytes?: number;
  /** Guest threads (default: the machine's parallelism, at least 2). */
  threads?: number;
  /** Host directories and a private per-request scratch directory (e.g. { scratch: '/tmp' }). */
  fs?: GuestFs;
  /** Live instances (apps) at most (default DEFAULT_MAX_APPS served, DEFAULT_MAX_INSTANCES in process); start() past it fails with a sentence. */
  maxInstances?: number;
  /** Served form only: the preinit and reuse axes, a tagged series per combination (series.ts). */
  series?: WasmSeriesConfig;
}

/**
 * The `wasm` runtime: `faasbench serve` in its own process (served-adapter.ts), so the
 * harness's client never shares an event loop with the runtime under test.
 */
export function referenceWasmAdapter(opts: ReferenceWasmOptions = {}): ServedWasmAdapter {
  const module = moduleOptions(opts);
  return new ServedWasmAdapter({
    id: 'wasm',
    description:
      "faasbench's reference Wasm runtime: own WASI preview1 host, WAGI, fresh instance per request, served by `faasbench serve` in its own process",
    executor: 'guest-threads',
    module,
    ...(opts.deadlineMs ? { deadlineMs: opts.deadlineMs } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.fs ? { fs: opts.fs } : {}),
    ...(opts.maxInstances ? { maxInstances: opts.maxInstances } : {}),
    ...(opts.series ? { series: opts.series } : {}),
  });
}

/** The same runtime in this process (one listener per app): the engine without the process boundary, for tests and in-process comparisons. */
export function inProcessWasmAdapter(opts: ReferenceWasmOptions = {}): WasmAdapter {
  return new WasmAdapter({
    id: 'wasm',
    description:
      "faasbench's reference Wasm runtime, in process: own WASI preview1 host, WAGI, fresh instance per request",
    executor: () =>
      new GuestThreadExecutor({
        ...(opts.deadlineMs ? { deadlineMs: opts.deadlineMs } : {}),
        ...(opts.threads ? { size: opts.threads } : {}),
      }),
    module: moduleOptions(opts),
    ...(opts.fs ? { fs: opts.fs } : {}),
    ...(opts.maxInstances ? { maxInstances: opts.maxInstances } : {}),
  });
}

function moduleOptions(opts: ReferenceWasmOptions): PrepareOptions {
  const module: PrepareOptions = {};
  for (const k of ['memoryCapBytes', 'maxModuleBytes', 'maxTableEntries', 'maxDataBytes'] as const)
    if (opts[k]) module[k] = opts[k];
  return module;
}

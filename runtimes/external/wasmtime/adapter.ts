// The `wasmtime` runtime: Wasmtime's own CLI, the native platform the claims name.
//   component (wasi:http, WASI 0.2): `wasmtime serve`, which makes a fresh instance per
//     request like the reference runtime; the pooling allocator on or off
//     (`-O pooling-allocator=y|n`, option `pooling`, flag --wasmtime-pooling). An app =
//     spawn → "Serving HTTP on …" (wasmtime compiles the component before it listens,
//     so this is compile + listen, the reference runtime's app cold start).
//   wasm (preview1 WAGI module): `wasmtime run` once per request behind faasbench's CGI
//     front (runtimes/external/cgi/adapter.ts), the classic CGI baseline.
// A `wasm` artifact that is really a component (layer byte 1 in its header: a bare
// `run --wasm fn.wasm` of a component) is served by `wasmtime serve` too.
//
// Both ways every request is a fresh instance (freshInstancePerRequest): the latency on
// a running app is the per-request cold start, client-timed through HTTP
// (runtimes/shared/http.ts). Same memory cap as the reference runtime (256 MiB,
// `-W max-memory-size`). Servers are owned and labelled (runtimes/external/supervise.ts).
// Idle memory of an app = the serve process (or the CGI front).

import { openSync, readSync, closeSync } from 'node:fs';
import http from 'node:http';
import { isComponentVariant, type LoadedWorkload, type VariantKind } from '../../../model/workload.js';
import { httpInvoke } from '../../shared/http.js';
import type {
  Availability,
  Capabilities,
  FunctionRequest,
  InvokeResult,
  OwnDeployment,
  OwnInstance,
  MemoryUsage,
  RuntimeAdapter,
  StartResult,
} from '../../types.js';
import { CgiRuntimeAdapter, type CgiDeployment, type CgiInstance, type CgiInstanceData } from '../cgi/adapter.js';
import { describeRunner, MEMORY_CAP_BYTES } from '../cgi/runners.js';
import { ServedApps, type ServedProcess } from '../served-apps.js';
import { freePort, startServer, sweepOrphanedServers } from '../supervise.js';
import { findTool, requireTool } from '../tools.js';

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export interface WasmtimeConfig {
  /** wasmtime serve's pooling allocator (default on). */
  pooling?: boolean;
}

export interface WasmtimeAdapterOptions extends WasmtimeConfig {
  id?: string;
  /** Per-request deadline of the CGI path, ms (default 10 000). */
  deadlineMs?: number;
  /** spawn → ready must happen within this (default 30 s: serve compiles first). */
  startDeadlineMs?: number;
}

export const WASMTIME_DEFAULTS: Required<WasmtimeConfig> = { pooling: true };

/** The line wasmtime serve prints on stderr once it listens. */
export const SERVE_READY = '^Serving HTTP on ';

/** Is the file a component (not a core module)? Header: \0asm, version u16, layer u16 (0 core, 1 component). */
export function isComponentFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    return n === 8 && head.readUInt32BE(0) === 0x0061736d && head.readUInt16LE(6) === 1;
  } finally {
    closeSync(fd);
  }
}

/** The `wasmtime serve` arguments for one component on 127.0.0.1:port. */
export function serveArgs(component: string, port: number, pooling: boolean): string[] {
  // --max-instance-reuse-count 1: a fresh instance per request (48.0's default for WASIp2, 128 for WASIp3), stated so it holds for either.
  // -S cli=y: serve links the whole WASI 0.2 command world beside wasi:http (componentize-js and
  // wit-component keep wasi:filesystem/sockets imports even when unused; without it serve refuses
  // them at start). No --dir and no network inheritance: no files and no raw sockets are reachable.
  // Outbound HTTP is NOT restricted: wasmtime serve performs a component's
  // wasi:http/outgoing-handler requests to any host and port, and 48.0 has no option to
  // refuse or limit them (`-S help` lists none; checked with the conform http probe: a GET
  // to a local port answered). The reference runtime's host refuses them unless allowed
  // (component/outbound.ts). Run only components you trust on this runtime, or put the
  // serve process in a network namespace of its own; the README says so.
  return [
    'serve',
    '--addr',
    `127.0.0.1:${port}`,
    '--max-instance-reuse-count',
    '1',
    '-S',
    'cli=y',
    '-O',
    `pooling-allocator=${pooling ? 'y' : 'n'}`,
    '-W',
    `max-memory-size=${MEMORY_CAP_BYTES}`,
    '-C',
    'cache=n',
    component,
  ];
}

interface ServeDeployment {
  kind: 'serve';
  component: string;
}

/** A `wasmtime serve` process (it keeps nothing on disk of its own). */
type ServeInstanceData = ServedProcess & { kind: 'serve' };

/** Components go to `wasmtime serve`; preview1 modules to the CGI front (the CGI adapter's own state). */
type WasmtimeDeployment = ServeDeployment | CgiDeployment;
type WasmtimeDeploymentOf = OwnDeployment<ServeDeployment> | OwnDeployment<CgiDeployment>;
type ServeInstance = OwnInstance<ServeInstanceData, ServeDeployment>;
type WasmtimeInstance = ServeInstance | CgiInstance;

const servedDeployment = (d: WasmtimeDeploymentOf): d is OwnDeployment<ServeDeployment> =>
  'kind' in d.data && d.data.kind === 'serve';
const servedInstance = (i: WasmtimeInstance): i is ServeInstance => 'kind' in i.data && i.data.kind === 'serve';

export class WasmtimeAdapter implements RuntimeAdapter<WasmtimeDeployment, ServeInstanceData | CgiInstanceData> {
  readonly id: string;
  readonly description: string;
  private readonly pooling: boolean;
  private readonly startDeadlineMs: number;
  private readonly cgi: CgiRuntimeAdapter;
  private readonly apps = new ServedApps<ServeInstance>();
  private swept = false;

  constructor(opts: WasmtimeAdapterOptions = {}) {
    this.id = opts.id ?? 'wasmtime';
    this.pooling = opts.pooling ?? WASMTIME_DEFAULTS.pooling;
    this.startDeadlineMs = opts.startDeadlineMs ?? 30_000;
    this.cgi = new CgiRuntimeAdapter('wasmtime', {
      id: this.id,
      ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    });
    this.description = `Wasmtime CLI: wasmtime serve for components (pooling allocator ${this.pooling ? 'on' : 'off'}), wasmtime run per request behind a CGI front for preview1 modules`;
  }

  capabilities(): Capabilities {
    return {
      variants: ['wasm', 'component', 'component-c'],
      modes: ['cold', 'warm', 'throughput', 'density'],
      freshInstancePerRequest: true,
    };
  }

  async available(): Promise<Availability> {
    if (!this.swept) {
      this.swept = true;
      sweepOrphanedServers();
    }
    const t = findTool('wasmtime');
    if (!t.ok) return { ok: false, reason: t.reason };
    return {
      ok: true,
      detail: `wasmtime ${t.version}${t.pinned ? '' : ' (from PATH, not the pinned build)'} at ${t.path}; serve (pooling ${this.pooling ? 'on' : 'off'}) for components, run per request for preview1`,
    };
  }

  async describeVersions(): Promise<Record<string, string>> {
    return {
      ...describeRunner('wasmtime'),
      serve: `wasmtime ${serveArgs('fn.wasm', 0, this.pooling).join(' ')}`,
      pooling: this.pooling ? 'on' : 'off',
      // Said in every results header: unlike the reference runtime's, nothing here limits it.
      outbound: 'unrestricted (wasmtime serve performs any wasi:http outgoing request)',
    };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<WasmtimeDeploymentOf> {
    const path = workload.variantPaths[variant];
    if ((variant !== 'wasm' && !isComponentVariant(variant)) || !path)
      throw new Error(
        `${this.id} runs wasm (preview1) and component (wasi:http: component, component-c) variants; ${workload.name} has no ${variant} variant here`,
      );
    requireTool('wasmtime');
    if (isComponentVariant(variant) || isComponentFile(path))
      return {
        runtime: this.id,
        workload,
        variant,
        data: { kind: 'serve', component: path } satisfies ServeDeployment,
      };
    return this.cgi.prepare(workload, variant);
  }

  async start(d: WasmtimeDeploymentOf): Promise<StartResult<WasmtimeInstance>> {
    if (!servedDeployment(d)) return this.cgi.start(d);
    const dep = d.data;
    const port = await freePort();
    const { server, phases } = await startServer({
      command: requireTool('wasmtime').path,
      args: serveArgs(dep.component, port, this.pooling),
      port,
      ready: { kind: 'log', pattern: SERVE_READY },
      startDeadlineMs: this.startDeadlineMs,
    });
    const data: ServeInstanceData = {
      kind: 'serve',
      server,
      agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    };
    const instance: ServeInstance = {
      id: `${this.id}-serve-${server.pid}`,
      deployment: d,
      url: `http://127.0.0.1:${port}`,
      data,
    };
    this.apps.add(instance);
    return { instance, phases };
  }

  invoke(i: WasmtimeInstance, r: FunctionRequest): Promise<InvokeResult> {
    if (!servedInstance(i)) return this.cgi.invoke(i, r);
    return httpInvoke(i.url!, r, i.data.agent, 30_000);
  }

  async stop(i: WasmtimeInstance): Promise<void> {
    if (!servedInstance(i)) return this.cgi.stop(i);
    return this.apps.stop(i);
  }

  async usage(i: WasmtimeInstance): Promise<MemoryUsage> {
    if (!servedInstance(i)) return this.cgi.usage(i);
    return this.apps.usage(i);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.apps.stopAll(), this.cgi.dispose()]);
  }
}

export function wasmtimeAdapter(opts: WasmtimeAdapterOptions = {}): WasmtimeAdapter {
  return new WasmtimeAdapter(opts);
}

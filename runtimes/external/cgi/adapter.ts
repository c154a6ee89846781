// The `wazero` runtime and the preview1 half of the `wasmtime` runtime: a WAGI module
// served the classic CGI way, one `wasmtime run` / `wazero run` process per request,
// behind the CGI front (front.ts, its own process).
//
// An app (instance) = compile the module into a private folder (phase `compile`) →
// spawn the front (`spawn`) → the front listening (`ready`): the app cold start, as
// the reference runtime's is compile + listen. Every request is then a fresh process
// (freshInstancePerRequest), so the per-request latency on a running app *is* the
// instance cold start; the front's Server-Timing gives the server's view (`spawn`,
// `process`). Requests go through runtimes/shared/http.ts like every HTTP runtime.
// Idle memory of an app = the front process (no Wasm process lives between requests).
//
// A request past its deadline (default 10 s, like the reference runtime) is killed
// with its process group and answered 504. Fronts are labelled and owned by this
// process (runtimes/external/supervise.ts): stopped on stop/dispose/Ctrl-C; a front
// whose harness was killed exits by itself, and the next start sweeps any left.

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedWorkload, VariantKind } from '../../../model/workload.js';
import { httpInvoke } from '../../shared/http.js';
import type {
  Availability,
  Capabilities,
  OwnDeployment,
  FunctionRequest,
  OwnInstance,
  InvokeResult,
  MemoryUsage,
  RuntimeAdapter,
  StartResult,
} from '../../types.js';
import { ServedApps, type ServedProcess } from '../served-apps.js';
import { freePort, startServer, sweepOrphanedServers } from '../supervise.js';
import { findTool, type ToolName } from '../tools.js';
import { READY_PREFIX } from './front.js';
import { frontLaunch } from './launch.js';
import { compileForCgi, describeRunner } from './runners.js';

export interface CgiRuntimeOptions {
  /** Runtime id (default: the tool's name). */
  id?: string;
  /** Per-request deadline in ms (default 10 000, the reference runtime's). */
  deadlineMs?: number;
  /** Commands the front runs at once (default 64); more requests queue. */
  maxProcs?: number;
  /** spawn → front listening must happen within this (default 20 s). */
  startDeadlineMs?: number;
}

/** The front's process, its client agent, and the app's private folder (the compiled module). */
export type CgiInstanceData = ServedProcess & { dir: string };

export type CgiDeployment = { wasm: string };
export type CgiInstance = OwnInstance<CgiInstanceData, CgiDeployment>;

export class CgiRuntimeAdapter implements RuntimeAdapter<CgiDeployment, CgiInstanceData> {
  readonly id: string;
  readonly description: string;
  private readonly deadlineMs: number;
  private readonly maxProcs: number;
  private readonly startDeadlineMs: number;
  private readonly apps = new ServedApps<CgiInstance>();
  private swept = false;

  constructor(
    readonly tool: ToolName,
    opts: CgiRuntimeOptions = {},
  ) {
    this.id = opts.id ?? tool;
    this.deadlineMs = opts.deadlineMs ?? 10_000;
    this.maxProcs = opts.maxProcs ?? 64;
    this.startDeadlineMs = opts.startDeadlineMs ?? 20_000;
    this.description = `${tool} CLI, one process per request (${tool} run) behind faasbench's CGI front; preview1 WAGI modules`;
  }

  capabilities(): Capabilities {
    return { variants: ['wasm'], modes: ['cold', 'warm', 'throughput', 'density'], freshInstancePerRequest: true };
  }

  async available(): Promise<Availability> {
    if (!this.swept) {
      this.swept = true;
      sweepOrphanedServers();
    }
    const t = findTool(this.tool);
    if (!t.ok) return { ok: false, reason: t.reason };
    return {
      ok: true,
      detail: `${this.tool} ${t.version}${t.pinned ? '' : ' (from PATH, not the pinned build)'} at ${t.path}, process per request`,
    };
  }

  async describeVersions(): Promise<Record<string, string>> {
    return {
      ...describeRunner(this.tool),
      cgi_front: frontLaunch().kind,
      deadline_ms: String(this.deadlineMs),
      max_procs: String(this.maxProcs),
    };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<CgiDeployment>> {
    const path = workload.variantPaths[variant];
    if (variant !== 'wasm' || !path)
      throw new Error(
        `${this.id} runs wasm (preview1 WAGI) variants; ${workload.name} has no ${variant === 'wasm' ? 'wasm variant' : `support here for ${variant}`}`,
      );
    const t = findTool(this.tool);
    if (!t.ok) throw new Error(t.reason);
    return { runtime: this.id, workload, variant, data: { wasm: path } };
  }

  async start(d: OwnDeployment<CgiDeployment>): Promise<StartResult<CgiInstance>> {
    const { wasm } = d.data;
    const workdir = mkdtempSync(join(tmpdir(), `faasbench-${this.tool}-`));
    try {
      const compiled = await compileForCgi(this.tool, wasm, workdir);
      const port = await freePort();
      const launch = frontLaunch();
      const args = [
        ...launch.prefix,
        '--listen',
        `127.0.0.1:${port}`,
        '--deadline-ms',
        String(this.deadlineMs),
        '--max-procs',
        String(this.maxProcs),
        '--',
        compiled.command,
        ...compiled.args,
      ];
      const { server, phases } = await startServer({
        command: launch.command,
        args,
        cwd: launch.cwd,
        port,
        ready: { kind: 'log', pattern: `^${READY_PREFIX}` },
        startDeadlineMs: this.startDeadlineMs,
      });
      const data: CgiInstanceData = {
        server,
        dir: workdir,
        agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      };
      const instance: CgiInstance = {
        id: `${this.id}-${server.pid}`,
        deployment: d,
        url: `http://127.0.0.1:${port}`,
        data,
      };
      this.apps.add(instance);
      return { instance, phases: [{ phase: 'compile', ns: compiled.compileNs }, ...phases] };
    } catch (e) {
      rmSync(workdir, { recursive: true, force: true });
      throw e;
    }
  }

  invoke(i: CgiInstance, r: FunctionRequest): Promise<InvokeResult> {
    const data = i.data;
    // The front answers a stuck guest with 504 at the deadline; the client waits a little longer than that.
    return httpInvoke(i.url!, r, data.agent, this.deadlineMs + 5_000);
  }

  stop(i: CgiInstance): Promise<void> {
    return this.apps.stop(i);
  }

  async usage(i: CgiInstance): Promise<MemoryUsage> {
    return this.apps.usage(i);
  }

  dispose(): Promise<void> {
    return this.apps.stopAll();
  }
}

export function wazeroAdapter(opts: CgiRuntimeOptions = {}): CgiRuntimeAdapter {
  return new CgiRuntimeAdapter('wazero', opts);
}

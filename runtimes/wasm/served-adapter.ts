// The reference Wasm runtime as the harness measures it: `faasbench serve` in its own
// process (serve/child.ts), so the measuring client never shares an event loop or a
// garbage collector with the runtime under test, the footing containers and Lambda
// environments have. The serve process is the platform (like dockerd): spawned once
// at prepare(), it holds every app of this adapter on one listener. start() is the
// *app* cold start: the module's bytes go over the IPC channel, the serve process
// compiles them (a nonce custom section defeats V8's cache of identical bytes) and
// routes /NAME/ to them (phases compile, deploy). Every request after it is an
// *instance* cold start, invoked through runtimes/shared/http.ts over one kept-alive
// agent shared by all apps, as a front proxy would.
//
// Process ownership: the child has an IPC channel; it shuts itself down when the
// channel closes (this process ended, even by SIGKILL), and is killed by dispose(),
// by this process's exit hook, and respawned by the next start() if it died.
// Series (series.ts): with --preinit/--reuse the adapter prepares one deployment per
// combination (prepareSeries), tagged; the serve process deploys each as asked
// (serve/run.ts: code-cache, reuse N), and a `wizer` deployment carries the module
// Wizer pre-initialised here at prepare (wizer.ts), so its app cold start compiles the
// pre-initialised bytes. A series that does not apply to the variant is refused in one
// sentence (reuse > 1 of a preview1 module, wizer of a component).
//
// usage() reads /proc of the serve process: each live app is charged an equal share
// of the process's growth since it was spawned empty, so the density mode's sum over
// apps is the process's growth. freshHost() ends an idle serve process, so the next
// start spawns an empty one: each density ramp is measured from the same footing.

import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isComponentVariant, type LoadedWorkload, type VariantKind } from '../../model/workload.js';
import { httpInvoke } from '../shared/http.js';
import { pssBytes, rssBytes } from '../shared/procfs.js';
import type {
  Availability,
  Capabilities,
  FunctionRequest,
  InvokeResult,
  MemoryUsage,
  OwnDeployment,
  OwnInstance,
  RefusedSeries,
  RuntimeAdapter,
  StartResult,
} from '../types.js';
import type { GuestFs } from './executor.js';
import { DEFAULT_MODULE_LIMITS, compileCommand, readWasmFile, type PrepareOptions } from './module.js';
import { prepareComponent } from './component/prepare.js';
import type { ServeConfig, ServeControl, ServeExecutorKind, ServeReply } from './serve/run.js';
import { seriesOf, seriesRefusal, seriesTags, type WasmSeries, type WasmSeriesConfig } from './series.js';
import { wizen } from './wizer.js';

export interface ServedWasmOptions {
  id: string;
  description: string;
  executor: ServeExecutorKind;
  threads?: number;
  deadlineMs?: number;
  /** Memory cap and module limits (module.ts). */
  module?: PrepareOptions;
  /** The filesystem each request's instance gets (default: none). */
  fs?: GuestFs;
  /** Live apps at most (default DEFAULT_MAX_APPS). */
  maxInstances?: number;
  /** Spawn → ready, and each deploy, must happen within this (default 30 s). */
  startDeadlineMs?: number;
  /** Axes measured as series (--preinit, --reuse); default: plain, a fresh instance per request, untagged. */
  series?: WasmSeriesConfig;
}

/** Live apps per adapter by default: they share one listener and one process, so the bound is memory, not file descriptors. */
export const DEFAULT_MAX_APPS = 65_536;

interface ServedDeployment {
  bytes: Uint8Array;
  name: string;
  fs?: GuestFs;
  /** How its apps are deployed (preinit, reuse N). */
  series: WasmSeries;
  /** A component's outbound HTTP allow-list (its manifest's allowedOutboundHosts). */
  allowedOutboundHosts?: string[];
}
interface ServedInstance {
  app: string;
  proc: ServeProcess;
}
/** An app deployed in the serve process, as this adapter sees it. */
type ServedApp = OwnInstance<ServedInstance, ServedDeployment>;

class ServeError extends Error {
  override name = 'ServeError';
}

/** One serve child and its IPC requests. */
class ServeProcess {
  readonly url: string;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: ServeReply & { ok: true }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  dead: string | null = null;
  baseline: { rss: number; pss: number } | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly executorName: string,
    private readonly stderr: () => string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.on('message', (m: ServeReply) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m);
      else p.reject(new ServeError(m.error));
    });
    child.once('exit', (code, signal) => {
      this.dead = `the serve process exited (${signal ?? `code ${code}`})${this.stderrTail()}`;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new ServeError(this.dead));
      }
      this.pending.clear();
    });
  }

  stderrTail(): string {
    const t = this.stderr().trim();
    return t ? `; its last output: ${t.split('\n').slice(-5).join(' | ')}` : '';
  }

  static spawn(cfg: Omit<ServeConfig, 'apps' | 'log' | 'say'>, deadlineMs: number): Promise<ServeProcess> {
    const self = import.meta.url;
    const ts = self.endsWith('.ts');
    const entry = new URL(`./serve/child.${ts ? 'ts' : 'js'}`, self);
    // Under tsx/vitest the child loads TypeScript through tsx's loader, resolved from here (not from the cwd).
    const loader = ts ? ['--import', pathToFileURL(createRequire(self).resolve('tsx')).href] : [];
    const child = fork(entry, [JSON.stringify(cfg)], {
      execArgv: [...loader, '--disable-wasm-trap-handler', '--no-turbo-fast-api-calls', '--no-warnings'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
      if (stderr.length > 8192) stderr = stderr.slice(-4096);
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        const t = stderr.trim();
        reject(new ServeError(`${why}${t ? `; its output: ${t.split('\n').slice(-5).join(' | ')}` : ''}`));
      };
      const timer = setTimeout(() => fail(`the serve process was not ready within ${deadlineMs} ms`), deadlineMs);
      child.once('error', (e) => fail(`cannot start the serve process: ${e.message}`));
      child.once('exit', (code, signal) => fail(`the serve process exited at start (${signal ?? `code ${code}`})`));
      child.once('message', (m: ServeReply) => {
        if (!('ready' in m)) return fail('the serve process spoke before it was ready');
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.on('error', () => {});
        const proc = new ServeProcess(child, m.ready.port, m.ready.executor, () => stderr);
        proc.baseline = readProcMemory(child.pid!);
        resolve(proc);
      });
    });
  }

  request(
    m: Omit<Extract<ServeControl, { op: 'deploy' }>, 'id'> | Omit<Extract<ServeControl, { op: 'undeploy' }>, 'id'>,
    timeoutMs: number,
  ): Promise<ServeReply & { ok: true }> {
    if (this.dead) return Promise.reject(new ServeError(this.dead));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ServeError(`the serve process did not answer ${m.op} ${m.name} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...m, id } as ServeControl, (e) => {
        if (!e) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new ServeError(`cannot reach the serve process: ${e.message}`));
      });
    });
  }

  /** Whether the process has exited, waiting up to `ms` for its exit to be reported. */
  exited(ms: number): Promise<boolean> {
    if (this.dead) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.dead !== null), ms);
      this.child.once('exit', () => {
        clearTimeout(timer);
        // After the constructor's own exit listener has marked it dead.
        setImmediate(() => resolve(true));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    // Graceful shutdown takes at most ~2 s; past 3 s it is killed.
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** RSS and PSS of a process from /proc, bytes (0 where unreadable, e.g. no smaps_rollup on an old kernel). */
function readProcMemory(pid: number): { rss: number; pss: number } {
  return { rss: rssBytes(pid) ?? 0, pss: pssBytes(pid) ?? 0 };
}

export class ServedWasmAdapter implements RuntimeAdapter<ServedDeployment, ServedInstance> {
  readonly id: string;
  readonly description: string;
  private readonly opts: ServedWasmOptions;
  private readonly moduleOptions: PrepareOptions;
  private readonly maxInstances: number;
  private readonly deadlineMs: number;
  private proc: ServeProcess | null = null;
  private spawning: Promise<ServeProcess> | null = null;
  private readonly live = new Set<ServedApp>();
  private starting = 0;
  private nonce = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private usageCache: { at: number; mem: { rss: number; pss: number } } | null = null;
  private readonly exitHook = () => this.proc?.child.kill('SIGKILL');
  /** Component files found to answer one request per instance (the refusal), or not (null). */
  private readonly reuseProbes = new Map<string, string | null>();

  constructor(opts: ServedWasmOptions) {
    this.id = opts.id;
    this.description = opts.description;
    this.opts = opts;
    this.moduleOptions = opts.module ?? {};
    this.maxInstances = opts.maxInstances ?? DEFAULT_MAX_APPS;
    this.deadlineMs = opts.startDeadlineMs ?? 30_000;
    if (!Number.isInteger(this.maxInstances) || this.maxInstances < 1)
      throw new RangeError(`${this.id}: maxInstances must be a whole number ≥ 1, got ${this.maxInstances}`);
    process.once('exit', this.exitHook);
  }

  capabilities(): Capabilities {
    // Components (wasi:http, WASI 0.2) run on faasbench's own host only, not node:wasi.
    const variants: VariantKind[] =
      this.opts.executor === 'node-wasi' ? ['wasm'] : ['wasm', 'component', 'component-c'];
    return { variants, modes: ['cold', 'warm', 'throughput', 'density', 'micro'], freshInstancePerRequest: true };
  }

  async available(): Promise<Availability> {
    return { ok: true, detail: `faasbench serve in its own process (${this.opts.executor})` };
  }

  /** The serve process, spawned if there is none or it died. `spawned` says whether this call spawned it. */
  private async process(): Promise<{ proc: ServeProcess; spawnNs: number | null }> {
    if (this.proc && !this.proc.dead) return { proc: this.proc, spawnNs: null };
    if (this.proc?.dead) {
      // Its apps went with it.
      for (const i of this.live) if (i.data.proc === this.proc) this.live.delete(i);
      this.proc = null;
    }
    const t0 = process.hrtime.bigint();
    this.spawning ??= ServeProcess.spawn(
      {
        executor: this.opts.executor,
        ...(this.opts.threads ? { threads: this.opts.threads } : {}),
        ...(this.opts.deadlineMs ? { deadlineMs: this.opts.deadlineMs } : {}),
        ...(this.moduleOptions.memoryCapBytes ? { memoryCapBytes: this.moduleOptions.memoryCapBytes } : {}),
        module: this.moduleOptions,
      },
      this.deadlineMs,
    ).finally(() => (this.spawning = null));
    const proc = await this.spawning;
    this.proc = proc;
    return { proc, spawnNs: Number(process.hrtime.bigint() - t0) };
  }

  /** The first series of the axes given (plain, reuse 1 when none): what a caller that asks for one deployment gets. */
  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<ServedDeployment>> {
    const config = this.opts.series ?? {};
    const series = seriesOf(config)[0]!;
    const refused = seriesRefusal(isComponentVariant(variant) ? 'component' : 'wasm', series);
    if (refused) throw new Error(refused);
    const d = await this.prepareOne(workload, variant, series, seriesTags(config, series));
    const once = series.reuse > 1 ? await this.servesOnce(d) : null;
    if (once) throw new Error(once);
    return d;
  }

  /** One deployment per series of the axes given (each tagged), or why a series does not apply to this variant. */
  async prepareSeries(
    workload: LoadedWorkload,
    variant: VariantKind,
  ): Promise<Array<OwnDeployment<ServedDeployment> | RefusedSeries>> {
    const config = this.opts.series ?? {};
    const out: Array<OwnDeployment<ServedDeployment> | RefusedSeries> = [];
    for (const series of seriesOf(config)) {
      const tags = seriesTags(config, series);
      const refused = seriesRefusal(isComponentVariant(variant) ? 'component' : 'wasm', series);
      if (refused) {
        out.push({ tags, refused });
        continue;
      }
      const d = await this.prepareOne(workload, variant, series, tags);
      const once = series.reuse > 1 ? await this.servesOnce(d) : null;
      out.push(once ? { tags, refused: once } : d);
    }
    return out;
  }

  /**
   * Whether a component answers only one request per instance (componentize-js's fetch
   * event does: its second request on one instance gets no response), found by asking
   * one instance twice; why, in one sentence, or null when it serves both. Once per
   * component file: the answer does not depend on the series.
   */
  private async servesOnce(d: OwnDeployment<ServedDeployment>): Promise<string | null> {
    const path = d.workload.variantPaths[d.variant]!;
    let known = this.reuseProbes.get(path);
    if (known === undefined) {
      const request = d.workload.requests.find((r) => r.size === 'test') ?? d.workload.requests[0]!;
      const { instance } = await this.start({ ...d, data: { ...d.data, series: { ...d.data.series, reuse: 2 } } });
      try {
        const first = await this.invoke(instance, request);
        const second = await this.invoke(instance, request);
        known =
          second.response.status >= 500 && first.response.status < 500
            ? `reuse ${d.data.series.reuse} does not apply to ${d.workload.name}'s component: it answers one request per instance (as componentize-js's fetch event does); a second request on one instance got ${second.response.status} (${Buffer.from(second.response.body).toString('utf8').trim().split('\n')[0]!.slice(0, 120)})`
            : null;
      } finally {
        await this.stop(instance);
      }
      this.reuseProbes.set(path, known);
    }
    return known === null ? null : known.replace(/^reuse \d+/, `reuse ${d.data.series.reuse}`);
  }

  private async prepareOne(
    workload: LoadedWorkload,
    variant: VariantKind,
    series: WasmSeries,
    tags: Record<string, string | number>,
  ): Promise<OwnDeployment<ServedDeployment>> {
    const path = workload.variantPaths[variant];
    const runs = this.capabilities().variants;
    if (!runs.includes(variant))
      throw new Error(`${this.id} does not run the ${variant} variant (it runs ${runs.join(' and ')})`);
    if (!path)
      throw new Error(
        `${this.id}: ${workload.name} has no ${variant} variant${workload.unbuilt?.[variant] ? ` (${workload.unbuilt[variant]})` : ''}`,
      );
    let bytes = readWasmFile(path, this.moduleOptions.maxModuleBytes ?? DEFAULT_MODULE_LIMITS.maxModuleBytes);
    // Offline, once per content (cached on disk): the app cold start then deploys the pre-initialised module.
    if (series.preinit === 'wizer' && !isComponentVariant(variant)) bytes = (await wizen(bytes, workload.name)).bytes;
    // Refused here, in one sentence, before any app starts (the serve process checks again).
    if (isComponentVariant(variant))
      await prepareComponent(
        bytes,
        workload.name,
        this.moduleOptions.memoryCapBytes ? { memoryCapBytes: this.moduleOptions.memoryCapBytes } : {},
      );
    else
      await compileCommand(bytes, workload.name, {
        ...this.moduleOptions,
        ...(this.opts.executor === 'node-wasi' ? { poolMemory: false } : {}),
      });
    const scratch = workload.manifest.wasi?.scratch;
    const fs: GuestFs | undefined = scratch ? { ...this.opts.fs, scratch } : this.opts.fs;
    // The platform is up before the first app cold start is measured.
    await this.process();
    const allowed = variant === 'component' ? workload.manifest.variants.component?.allowedOutboundHosts : undefined;
    const data: ServedDeployment = {
      bytes,
      name: workload.name,
      series,
      ...(fs ? { fs } : {}),
      ...(allowed?.length ? { allowedOutboundHosts: allowed } : {}),
    };
    return { runtime: this.id, workload, variant, data, ...(Object.keys(tags).length ? { tags } : {}) };
  }

  async start(d: OwnDeployment<ServedDeployment>): Promise<StartResult<ServedApp>> {
    const { bytes, name, fs, series, allowedOutboundHosts } = d.data;
    if (this.live.size + this.starting >= this.maxInstances) {
      throw new Error(
        `${this.id}: cannot start another instance of ${name}: ${this.live.size + this.starting} are live, the limit of live instances (maxInstances)`,
      );
    }
    this.starting++;
    try {
      let { proc, spawnNs } = await this.process();
      const nonce = ++this.nonce;
      const app = `a${nonce}`;
      const message = {
        op: 'deploy',
        name: app,
        argv0: name,
        bytes,
        nonce,
        ...(fs ? { fs } : {}),
        ...(series.preinit === 'code-cache' ? { preinit: 'code-cache' as const } : {}),
        ...(series.reuse > 1 ? { reuse: series.reuse } : {}),
        ...(allowedOutboundHosts ? { allowedOutboundHosts } : {}),
      } as const;
      let t0 = process.hrtime.bigint();
      let r: ServeReply & { ok: true };
      try {
        r = await proc.request(message, this.deadlineMs);
      } catch (e) {
        // The serve process died and its exit had not reached us yet (EPIPE on the channel):
        // once it has, a new one is started and the app deployed there.
        if (!(await proc.exited(1000))) throw e;
        ({ proc, spawnNs } = await this.process());
        t0 = process.hrtime.bigint();
        r = await proc.request(message, this.deadlineMs);
      }
      const total = Number(process.hrtime.bigint() - t0);
      const data: ServedInstance = { app, proc };
      const instance: ServedApp = {
        id: `${this.id}-${name}-${nonce}`,
        deployment: d,
        url: proc.url,
        pathPrefix: `/${app}`,
        data,
      };
      this.live.add(instance);
      const phases = [
        ...(spawnNs !== null ? [{ phase: 'spawn', ns: spawnNs }] : []),
        { phase: 'compile', ns: 'compileNs' in r ? r.compileNs : 0 },
        // IPC both ways + routing the app: what deploying costs beyond compiling.
        { phase: 'deploy', ns: Math.max(0, total - ('compileNs' in r ? r.compileNs : 0)) },
      ];
      return { instance, phases };
    } finally {
      this.starting--;
    }
  }

  invoke(i: ServedApp, r: FunctionRequest): Promise<InvokeResult> {
    return httpInvoke(i.url!, { ...r, path: i.pathPrefix! + (r.path === '/' ? '' : r.path) }, this.agent);
  }

  async stop(i: ServedApp): Promise<void> {
    if (!this.live.delete(i)) return;
    const { app, proc } = i.data;
    if (proc.dead) return;
    await proc.request({ op: 'undeploy', name: app }, this.deadlineMs);
  }

  async usage(_i: ServedApp): Promise<MemoryUsage> {
    const proc = this.proc;
    if (!proc || proc.dead || !proc.child.pid || !proc.baseline) return {};
    // One /proc read serves every app's call for a moment (the density mode asks per app).
    const now = Date.now();
    if (!this.usageCache || now - this.usageCache.at > 250)
      this.usageCache = { at: now, mem: readProcMemory(proc.child.pid) };
    const n = Math.max(1, this.live.size);
    const { rss, pss } = this.usageCache.mem;
    return {
      ...(rss ? { rssBytes: Math.round(Math.max(0, rss - proc.baseline.rss) / n) } : {}),
      ...(pss ? { pssBytes: Math.round(Math.max(0, pss - proc.baseline.pss) / n) } : {}),
    };
  }

  async freshHost(): Promise<void> {
    if (this.live.size > 0 || this.starting > 0) return; // apps are live: not idle, nothing to drop
    const proc = this.proc ?? (this.spawning ? await this.spawning.catch(() => null) : null);
    this.proc = null;
    this.usageCache = null;
    await proc?.stop();
  }

  async dispose(): Promise<void> {
    this.live.clear();
    this.agent.destroy();
    const proc = this.proc ?? (this.spawning ? await this.spawning.catch(() => null) : null);
    this.proc = null;
    await proc?.stop();
    process.off('exit', this.exitHook);
  }

  async describeVersions(): Promise<Record<string, string>> {
    return {
      process: 'separate (faasbench serve, IPC-deployed apps on one listener)',
      executor: this.proc?.executorName ?? this.opts.executor,
      v8: process.versions.v8,
    };
  }

  /** The serve process's pid (tests, benchmarks). */
  pid(): number | undefined {
    return this.proc?.child.pid;
  }
}
